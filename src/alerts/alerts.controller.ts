import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiAnswer,
  ApiProblems,
  ApiStaffRoutes,
  anyObject,
  instant,
  integer,
  list,
  localDate,
  nullable,
  oneOf,
  shape,
  text,
} from '../http/openapi';
import { ANY_STAFF, Roles } from '../auth/access.decorators';
import { actorOf, type Caller, CurrentCaller } from '../auth/caller';
import { PatientIdentities } from '../patients/patient-identities';
import { AlertTransitionRow, StoredAlert } from './alert.entity';
import { AlertQueries } from './alert-queries';
import { AlertNotFound, AlertService, lifecycleOf, StaffActionRefused } from './alert-service';
import { MAX_SNOOZE_DAYS } from './staff-actions';
import {
  AcknowledgeAlertDto,
  AlertIdParam,
  ALERT_STATES,
  ListAlertsQuery,
  ResolveAlertDto,
  SnoozeAlertDto,
} from './alerts.dto';

/** One stored transition as the API and the pages show it. */
export function transitionView(t: AlertTransitionRow) {
  return {
    at: t.occurredAt,
    date: t.localDate,
    from: t.fromState,
    to: t.toState,
    cause: t.cause,
    actor: t.actor,
    note: t.note,
  };
}

/** An alert as staff see it through the API (the controller adds who the patient is). */
export function alertView(row: StoredAlert): Record<string, unknown> & { pid: number } {
  const alert = lifecycleOf(row);
  return {
    id: row.id,
    pid: Number(row.pid),
    ruleId: row.ruleId,
    ruleVersion: row.ruleVersion,
    ruleTitle: row.ruleTitle,
    severity: row.severity,
    state: row.state,
    episodeStart: row.episodeStart,
    firedOn: alert.firedOn,
    firstNotifiedAt: row.firedAt,
    lastNotifiedOn: alert.lastNotifiedOn,
    resolvedOn: alert.resolvedOn,
    snoozedUntil: alert.snoozedUntil,
    acknowledgement: alert.acknowledgement,
    message: row.message,
    recipients: row.recipients === null ? [] : JSON.parse(row.recipients),
    routingReasons: row.routingReasons === null ? [] : JSON.parse(row.routingReasons),
    escalatedAt: row.escalatedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Why a staff action was refused, in the words the API and the pages both use. */
export const REFUSALS: Record<string, string> = {
  alert_closed: 'The alert is already resolved',
  not_fired_yet: 'The alert has not fired yet',
  already_acknowledged: 'The alert is already acknowledged',
  snooze_ends_in_the_past: 'The snooze must end today or later',
  snooze_too_long: `A snooze lasts at most ${MAX_SNOOZE_DAYS} days; to stop watching, resolve the alert or end monitoring`,
};

const ALERT_FIELDS = {
  id: text('Alert id'),
  pid: integer('OpenEMR pid'),
  ruleId: text(),
  ruleVersion: integer(),
  ruleTitle: text(),
  severity: oneOf(['info', 'warning', 'urgent']),
  state: oneOf(ALERT_STATES),
  episodeStart: localDate(
    "The data day the condition began: the patient's local date the readings are from, not when anyone heard of it",
  ),
  firedOn: nullable(
    localDate(
      "The data day the condition had held long enough to fire (the patient's local date the readings are from); null while pending. Readings that reach Vigil late (a first backfill, a late sync) fire on past days: when staff were told is firstNotifiedAt",
    ),
  ),
  firstNotifiedAt: nullable(
    instant(
      'When Vigil first told staff of the alert (its first notice queued to OpenEMR); null until then (pending, inhibited throughout, or its notice withheld). Escalation and time to acknowledge count from here',
    ),
  ),
  lastNotifiedOn: nullable(
    localDate('The data day the latest notice to staff (fire or re-notification) stood for'),
  ),
  resolvedOn: nullable(localDate()),
  snoozedUntil: nullable(localDate('Muted through this day, inclusive')),
  acknowledgement: nullable(shape({ by: text(), at: instant(), note: nullable(text()) })),
  message: text('The rule message with its deciding values'),
  recipients: list(anyObject('An OpenEMR user it was routed to: {username, userId}')),
  routingReasons: list(anyObject('Why a fallback recipient was used')),
  escalatedAt: nullable(instant()),
  createdAt: instant(),
  updatedAt: instant(),
  patient: anyObject(
    'Who the patient is, from OpenEMR: pid, name, dateOfBirth, chartNumber, problem',
  ),
};
const ALERT = shape(ALERT_FIELDS);
const ALERT_WITH_HISTORY = shape({
  ...ALERT_FIELDS,
  history: list(
    shape({
      at: instant(),
      date: localDate(),
      from: nullable(oneOf(ALERT_STATES)),
      to: oneOf(ALERT_STATES),
      cause: text(),
      actor: text('evaluation, or staff:<who>'),
      note: nullable(text()),
    }),
    'Every state change, oldest first',
  ),
});

@ApiTags('alerts')
@ApiStaffRoutes()
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(
    private readonly alerts: AlertService,
    private readonly queries: AlertQueries,
    private readonly identities: PatientIdentities,
  ) {}

  @Get()
  @Roles(...ANY_STAFF)
  @ApiOperation({
    summary: 'Alerts, newest first, filtered by state, severity, patient, recipient',
  })
  @ApiAnswer(list(ALERT), 'The alerts')
  @ApiProblems(400)
  async list(@Query() query: ListAlertsQuery): Promise<Record<string, unknown>[]> {
    const rows = await this.queries.list({ ...query, limit: query.limit ?? 100 });
    return this.identities.named(rows.map(alertView));
  }

  @Get(':id')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'One alert with its history of state changes' })
  @ApiAnswer(ALERT_WITH_HISTORY, 'The alert')
  @ApiProblems(400, 404)
  async one(@Param() { id }: AlertIdParam): Promise<Record<string, unknown>> {
    const row = await this.queries.find(id);
    if (row === null) throw new NotFoundException(`No alert with id ${id}`);
    const history = await this.queries.history(id);
    const [named] = await this.identities.named([alertView(row)]);
    return { ...named, history: history.map(transitionView) };
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Staff took the alert: no more re-notifications' })
  @ApiAnswer(ALERT, 'The alert, acknowledged')
  @ApiProblems(400, 404, 409)
  acknowledge(
    @Param() { id }: AlertIdParam,
    @Body() body: AcknowledgeAlertDto,
    @CurrentCaller() caller: Caller,
  ): Promise<Record<string, unknown>> {
    return this.act(() => this.alerts.acknowledge(id, actorOf(caller), body.note ?? null));
  }

  @Post(':id/snooze')
  @HttpCode(200)
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Mute the alert through a date (inclusive)' })
  @ApiAnswer(ALERT, 'The alert, snoozed')
  @ApiProblems(400, 404, 409)
  snooze(
    @Param() { id }: AlertIdParam,
    @Body() body: SnoozeAlertDto,
    @CurrentCaller() caller: Caller,
  ): Promise<Record<string, unknown>> {
    return this.act(() =>
      this.alerts.snooze(id, actorOf(caller), body.until, new Date(), body.note ?? null),
    );
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Close the episode by hand; a short follow-up tells its recipients' })
  @ApiAnswer(ALERT, 'The alert, resolved')
  @ApiProblems(400, 404, 409)
  resolve(
    @Param() { id }: AlertIdParam,
    @Body() body: ResolveAlertDto,
    @CurrentCaller() caller: Caller,
  ): Promise<Record<string, unknown>> {
    return this.act(() => this.alerts.resolve(id, actorOf(caller), new Date(), body.note ?? null));
  }

  private async act(action: () => Promise<StoredAlert>): Promise<Record<string, unknown>> {
    try {
      return (await this.identities.named([alertView(await action())]))[0];
    } catch (error) {
      if (error instanceof AlertNotFound) throw new NotFoundException(error.message);
      if (error instanceof StaffActionRefused) {
        throw new ConflictException(REFUSALS[error.refusal] ?? error.refusal);
      }
      throw error;
    }
  }
}
