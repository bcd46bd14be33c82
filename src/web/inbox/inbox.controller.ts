import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { StaffPageErrors } from '../page-errors.filter';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AlertQueries } from '../../alerts/alert-queries';
import type { StoredAlert } from '../../alerts/alert.entity';
import {
  AlertNotFound,
  AlertService,
  lifecycleOf,
  StaffActionRefused,
} from '../../alerts/alert-service';
import { REFUSALS } from '../../alerts/alerts.controller';
import { ALERT_ID, ALERT_ID_SHAPE } from '../../alerts/alerts.dto';
import { pathParam } from '../../http/input-fields';
import { ANY_STAFF, Roles } from '../../auth/access.decorators';
import type { AuthenticatedRequest } from '../../auth/access.guard';
import { actorOf, type Caller, CurrentCaller } from '../../auth/caller';
import { Environment } from '../../config/environment';
import { AlertDeliveries } from '../../delivery/delivery-status';
import type { FieldProblem } from '../../http/problem.filter';
import { openEmrDate } from '../../time';
import { Enrollments } from '../../patients/enrollments';
import { identityWords, PatientIdentities } from '../../patients/patient-identities';
import { html, type SafeHtml } from '../html';
import { sendStaffPage } from '../staff-responses';
import { viewerOf } from '../viewer';
import {
  AcknowledgeForm,
  afterAction,
  type ActionDone,
  filterQuery,
  filtersOf,
  INBOX_LIMIT,
  InboxQuery,
  ResolveForm,
  SnoozeForm,
} from './inbox-input';
import {
  type DoneNotice,
  type InboxAlert,
  type PageContext,
  PAGE_STYLE,
  renderAlertPage,
  renderInbox,
} from './inbox.view';
import { readPageInput } from '../page-input';

type Outcome = { ok: true } | { ok: false; status: number; message: string };

/**
 * The alert inbox and one alert's page. Actions post plain forms (with the
 * session's `_csrf`) and go through the same AlertService calls as the API,
 * then redirect back (303) announcing what was done.
 */
@ApiExcludeController()
@UseFilters(StaffPageErrors)
@Controller('alerts')
export class InboxController {
  constructor(
    private readonly queries: AlertQueries,
    private readonly alerts: AlertService,
    private readonly deliveries: AlertDeliveries,
    private readonly enrollments: Enrollments,
    private readonly env: Environment,
    private readonly identities: PatientIdentities,
  ) {}

  @Get()
  @Roles(...ANY_STAFF)
  async inbox(
    @Query() raw: Record<string, unknown>,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const input = readPageInput(InboxQuery, raw);
    const query = input.ok ? input.value : null;
    const rows = query ? await this.queries.inbox(filtersOf(query)) : [];
    const filters = query ? filterQuery(query) : '';
    const alerts = await this.shown(rows);
    const body = renderInbox(
      {
        form: formValues(raw),
        query,
        notice: query ? await this.notice(query, alerts) : null,
        problems: input.ok ? [] : input.problems,
        alerts,
        truncated: rows.length >= INBOX_LIMIT,
        programs: await this.enrollments.programs(),
        back: filters ? `/alerts?${filters}` : '/alerts',
      },
      this.context(req),
    );
    this.send(res, req, input.ok ? 200 : 400, 'Alerts', body);
  }

  @Get(':id')
  @Roles(...ANY_STAFF)
  async one(
    @Param('id') id: string,
    @Query() raw: Record<string, unknown>,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    alertId(id);
    const input = readPageInput(InboxQuery, raw);
    await this.alertPage(req, res, id, 200, { query: input.ok ? input.value : null });
  }

  @Post(':id/acknowledge')
  @Roles(...ANY_STAFF)
  async acknowledge(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    await this.fromForm(req, res, id, AcknowledgeForm, body, 'acknowledged', ({ note }) =>
      this.alerts.acknowledge(id, actorOf(caller), note?.trim() || null),
    );
  }

  @Post(':id/snooze')
  @Roles(...ANY_STAFF)
  async snooze(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    await this.fromForm(req, res, id, SnoozeForm, body, 'snoozed', ({ until, note }) =>
      this.alerts.snooze(id, actorOf(caller), until, new Date(), note?.trim() || null),
    );
  }

  @Post(':id/resolve')
  @Roles(...ANY_STAFF)
  async resolve(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    await this.fromForm(req, res, id, ResolveForm, body, 'resolved', ({ note }) =>
      this.alerts.resolve(id, actorOf(caller), new Date(), note?.trim() || null),
    );
  }

  /** An invalid form: the alert's page names the fields; a valid one: the action runs. */
  private async fromForm<T extends { back?: string }>(
    req: AuthenticatedRequest,
    res: Response,
    id: string,
    type: new () => T,
    body: Record<string, unknown>,
    done: ActionDone,
    action: (form: T) => Promise<StoredAlert>,
  ): Promise<void> {
    alertId(id);
    const input = readPageInput(type, body);
    if (!input.ok) return this.alertPage(req, res, id, 400, { problems: input.problems });
    await this.act(req, res, id, input.value.back, done, () => action(input.value));
  }

  /** Runs the action; done: back where the form came from; refused: the alert's page says why. */
  private async act(
    req: AuthenticatedRequest,
    res: Response,
    id: string,
    back: string | undefined,
    done: ActionDone,
    action: () => Promise<StoredAlert>,
  ): Promise<void> {
    const outcome = await attempt(action);
    if (outcome.ok) {
      res.redirect(303, afterAction(back, done, id));
      return;
    }
    await this.alertPage(req, res, id, outcome.status, { refusal: outcome.message });
  }

  private async alertPage(
    req: AuthenticatedRequest,
    res: Response,
    id: string,
    status: number,
    extra: {
      query?: InboxQuery | null;
      refusal?: string;
      problems?: FieldProblem[];
    },
  ): Promise<void> {
    const row = await this.queries.find(id);
    if (row === null) {
      const body = html`${PAGE_STYLE}
        <p class="box" role="alert">There is no alert ${id}.</p>
        <p><a href="/alerts">Back to the inbox</a></p>`;
      this.send(res, req, 404, 'Alert not found', body);
      return;
    }
    const [alert] = await this.shown([row]);
    const history = await this.queries.history(row.id);
    const body = renderAlertPage(
      {
        alert,
        history: history.map((t) => ({
          at: t.occurredAt,
          from: t.fromState,
          to: t.toState,
          cause: t.cause,
          actor: t.actor,
          note: t.note,
        })),
        query: extra.query ?? null,
        refusal: extra.refusal,
        problems: extra.problems,
      },
      this.context(req),
    );
    this.send(res, req, status, `${alert.ruleTitle}: ${identityWords(alert.patient)}`, body);
  }

  /** What the last action did, naming the rule and the patient (also when it left this view). */
  private async notice(query: InboxQuery, shown: InboxAlert[]): Promise<DoneNotice | null> {
    if (!query.done || !query.alert) return null;
    const listed = shown.find((alert) => alert.id === query.alert);
    if (listed) return { done: query.done, alertId: query.alert, alert: listed };
    const row = await this.queries.find(query.alert);
    const [alert] = row ? await this.shown([row]) : [null];
    return { done: query.done, alertId: query.alert, alert };
  }

  /** Alerts with who the patient is and their delivery status, in the given order. */
  private async shown(rows: StoredAlert[]): Promise<InboxAlert[]> {
    const pids = rows.map((r) => Number(r.pid));
    const patients = await this.identities.of(pids);
    const ids = rows.map((r) => String(r.id));
    const [deliveries, changes, zones] = await Promise.all([
      this.deliveries.forAlerts(ids),
      this.queries.latestChanges(ids),
      this.enrollments.timeZones(pids),
    ]);
    return rows.map((row) => {
      const lifecycle = lifecycleOf(row);
      return {
        id: String(row.id),
        pid: Number(row.pid),
        patient: patients.get(Number(row.pid))!,
        ruleId: row.ruleId,
        ruleTitle: row.ruleTitle,
        ruleVersion: row.ruleVersion,
        severity: row.severity,
        state: row.state,
        since: row.firedAt ?? row.createdAt,
        episodeStart: row.episodeStart,
        firedOn: lifecycle.firedOn,
        firstNotifiedAt: row.firedAt,
        snoozedUntil: lifecycle.snoozedUntil,
        patientTimeZone: zones.get(Number(row.pid)) ?? this.env.CLINIC_TIME_ZONE,
        acknowledgement: lifecycle.acknowledgement,
        lastChange: changes.has(String(row.id))
          ? {
              actor: changes.get(String(row.id))!.actor,
              at: changes.get(String(row.id))!.occurredAt,
            }
          : null,
        message: row.message,
        deliveries: deliveries.get(String(row.id)) ?? [],
      };
    });
  }

  private context(req: AuthenticatedRequest): PageContext {
    const now = new Date();
    return {
      timeZone: this.env.CLINIC_TIME_ZONE,
      now,
      today: openEmrDate(now, this.env.CLINIC_TIME_ZONE),
      csrfToken: viewerOf(req).csrfToken,
    };
  }

  private send(
    res: Response,
    req: AuthenticatedRequest,
    status: number,
    title: string,
    body: SafeHtml,
  ): void {
    sendStaffPage(req, res, this.env.CLINIC_NAME, { status, title, section: 'alerts', body });
  }
}

/** "/alerts/abc" is no address of an alert: 400 naming id (a number nobody has is 404). */
const alertId = (id: string): string => pathParam('id', id, ALERT_ID, ALERT_ID_SHAPE);

/** The staff action's known refusals as words; anything else is a real error. */
async function attempt(action: () => Promise<StoredAlert>): Promise<Outcome> {
  try {
    await action();
    return { ok: true };
  } catch (error) {
    if (error instanceof AlertNotFound) return { ok: false, status: 404, message: error.message };
    if (error instanceof StaffActionRefused) {
      return { ok: false, status: 409, message: REFUSALS[error.refusal] ?? error.refusal };
    }
    throw error;
  }
}

/** The query as given, for refilling the filter form; only single text values. */
function formValues(raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(raw).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
