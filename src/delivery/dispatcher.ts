import { openEmrDate } from '../time';
import { reminderDueDate } from './reminder-due-date';
import { Inject, Injectable } from '@nestjs/common';
import { StoredAlert } from '../alerts/alert.entity';
import { AlertRepository } from '../alerts/alert.repository';
import { groupMessages, groupReminders, type RoutedNotice } from '../alerts/grouping';
import {
  replaceGoneRecipient,
  routeAlert,
  stillReachable,
  type Recipient,
  type RoutingDecision,
  type RoutingReason,
} from '../alerts/routing';
import type { RecipientSpec } from '../rules/rule-definition';
import { lifecycleOf } from '../alerts/alert-service';
import { untold, withheld } from '../alerts/withheld-notice';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { Transactions, type Transaction } from '../database/transactions';
import { JsonLogger } from '../logging/json-logger';
import { OpenEmrApiError } from '../openemr/api/openemr-api-client';
import { OpenEmrGrantMissing } from '../openemr/openemr-grants';
import { Mailer } from '../mail/mailer';
import type { Delivery } from './delivery.entity';
import {
  renderAlertMessage,
  renderReminderText,
  renderResolvedMessage,
  type MessageEnvelope,
} from './openemr-text';
import { DeliveryDeferred, OPENEMR_SINK, RecipientGone, type OpenEmrSink } from './openemr-sink';
import {
  type EmailPayload,
  type MessagePayload,
  type NoticeSnapshot,
  type ReminderPayload,
  type RoutingPayload,
} from './outbox';
import { RENEW_EVERY_MS } from './outbox-policy';
import { OutboxRepository } from './outbox.repository';
import { BatchLease } from './batch-lease';

type Routed = RoutedNotice & { snapshot: NoticeSnapshot };

export interface DispatchReport {
  delivered: number;
  failed: number;
}

/**
 * Delivers due outbox rows: routes a run's notices (reading OpenEMR now, as
 * providers change), writes each message or reminder once, sends emails.
 * A failure waits and retries with backoff; a crash after the OpenEMR write
 * and before marking the row done is healed by the marker the retry finds.
 */
@Injectable()
export class Dispatcher {
  constructor(
    private readonly transactions: Transactions,
    private readonly outbox: OutboxRepository,
    private readonly alerts: AlertRepository,
    @Inject(OPENEMR_SINK) private readonly sink: OpenEmrSink | null,
    private readonly mailer: Mailer,
    private readonly audit: AuditTrail,
    private readonly env: Environment,
    private readonly logger: JsonLogger,
  ) {}

  /** How often the lease on a batch being worked through is renewed; tests change it. */
  renewEveryMs = RENEW_EVERY_MS;
  /** Milliseconds, for how long a batch has been worked on; tests move it on. */
  clock: () => number = Date.now;

  /**
   * Claims and delivers up to `limit` due rows, one after another, renewing
   * their lease meanwhile. A row whose lease lapsed (this process stalled for
   * a minute) is left to whoever claimed it since.
   */
  async dispatchDue(now = new Date(), limit = 25): Promise<DispatchReport> {
    const report: DispatchReport = { delivered: 0, failed: 0 };
    const batch = await this.outbox.claimDue(now, limit);
    if (batch.length === 0) return report;
    const started = this.clock();
    const lease = new BatchLease(
      this.outbox,
      batch,
      () => new Date(now.getTime() + this.clock() - started),
      this.renewEveryMs,
    );
    try {
      for (const row of batch) {
        if (!(await lease.hold(row))) {
          this.logger.warn(
            `Delivery ${row.id} (${row.kind}) left for later: its lease could not be renewed`,
            'Dispatcher',
          );
          continue;
        }
        try {
          await this.deliver(row, now);
          report.delivered += 1;
        } catch (error) {
          report.failed += 1;
          const reason = failureReason(error);
          this.logger.warn(
            `Delivery ${row.id} (${row.kind}) failed, attempt ${row.attempts}: ${reason}`,
            'Dispatcher',
          );
          const parked = await this.outbox.markFailed(row, now, reason, error instanceof Parked);
          if (parked) {
            this.logger.warn(
              `Delivery ${row.id} (${row.kind}) parked as failed after ${row.attempts} attempt(s): ${reason}`,
              'Dispatcher',
            );
          }
        }
        lease.finished(row);
      }
    } finally {
      await lease.end();
    }
    return report;
  }

  private async deliver(row: Delivery, now: Date): Promise<void> {
    switch (row.kind) {
      case 'routing':
        return this.route(row, now);
      case 'message':
      case 'resolved':
        return this.writeMessage(row, now);
      case 'reminder':
        return this.writeReminder(row, now);
      case 'email':
        return this.sendEmail(row, now);
    }
  }

  /**
   * Decides recipients for each notice from what OpenEMR says now, then
   * replaces the routing row by one row per message and reminder, in one
   * transaction. Nobody reachable: the row waits (an alert is never dropped).
   */
  private async route(row: Delivery, now: Date): Promise<void> {
    const payload = JSON.parse(row.payload) as RoutingPayload;
    const pid = Number(row.pid);
    const alertIds = [...new Set(payload.notices.map((n) => String(n.alertId)))];
    const alerts = new Map((await this.alerts.byIds(alertIds)).map((a) => [String(a.id), a]));
    const held = this.heldBack(payload, alerts);
    if (held.size > 0 && held.size === payload.notices.length) {
      await this.transactions.run(async (tx) => {
        await this.withhold(payload, held, tx);
        await this.outbox.markWithheld(row, now, WITHHELD, tx);
      });
      this.logger.log(`Delivery ${row.id} (routing) withheld: ${WITHHELD}`, 'Dispatcher');
      return;
    }
    const sink = this.requireSink();
    const routed: Routed[] = [];
    const decisions = new Map<string, RoutingDecision>();
    const fallback = this.env.fallbackRecipients;
    for (const notice of payload.notices) {
      if (held.has(notice)) continue;
      const deliver = sink.writesReminders
        ? notice.deliver
        : { ...notice.deliver, channels: ['message' as const] };
      const told = parseRecipients(alerts.get(notice.alertId)?.recipients ?? null);
      if (notice.kind === 'resolve' && payload.replaces === undefined) {
        if (told.length === 0 && (await this.outbox.earlierRoutingWaits(row.id, notice.alertId))) {
          throw new DeliveryDeferred('an earlier notice of this alert is still waiting');
        }
        const recipients = await this.stillThere(sink, pid, notice, told, decisions);
        routed.push({ ...base(notice, pid), deliver, recipients, snapshot: notice });
        continue;
      }
      const decision =
        payload.replaces === undefined
          ? routeAlert(
              notice.recipients,
              await sink.routingFacts(pid, notice.recipients, fallback),
              fallback,
            )
          : await this.replacement(sink, pid, notice, payload.replaces);
      decisions.set(notice.alertId, decision);
      routed.push({
        ...base(notice, pid),
        deliver,
        recipients: decision.recipients,
        snapshot: notice,
      });
    }
    const unreachable = [...decisions.values()].find(
      (d) => d.recipients.length === 0 && !d.reasons.some((r) => r.code === 'already_told'),
    );
    if (unreachable !== undefined) {
      await this.recordRouting(alerts, decisions);
      throw new DeliveryDeferred(
        `nobody reachable in OpenEMR (${unreachable.reasons.map((r) => r.code).join(', ')})`,
      );
    }
    const messages = groupMessages(routed);
    const reminders = groupReminders(routed);
    await this.transactions.run(async (tx) => {
      await this.withhold(payload, held, tx);
      await this.recordRouting(alerts, decisions, tx);
      for (const message of messages) {
        const body: MessagePayload = {
          notices: message.notices.map((n) => n.snapshot),
          ...(payload.reroutes ? { reroutes: payload.reroutes } : {}),
        };
        await this.outbox.enqueue(
          {
            kind: message.kind === 'alert' ? 'message' : 'resolved',
            pid,
            recipient: message.recipient.username,
            recipientUserId: message.recipient.userId,
            payload: body,
            alertIds: body.notices.map((n) => n.alertId),
          },
          now,
          tx,
        );
      }
      for (const reminder of reminders) {
        const body: ReminderPayload = {
          notices: reminder.notices.map((n) => n.snapshot),
          dueDate: reminderDueDate(
            payload.date,
            reminder.dueInDays,
            openEmrDate(now, this.env.CLINIC_TIME_ZONE),
          ),
          priority: reminder.priority,
          ...(payload.reroutes ? { reroutes: payload.reroutes } : {}),
        };
        await this.outbox.enqueue(
          {
            kind: 'reminder',
            pid,
            recipient: reminder.recipient.username,
            recipientUserId: reminder.recipient.userId,
            payload: body,
            alertIds: body.notices.map((n) => n.alertId),
          },
          now,
          tx,
        );
      }
      await this.outbox.markDelivered(row, now, null, tx);
    });
  }

  /**
   * The notices of a run that must not go out now: a `fire` or `renotify` of
   * an alert inhibited since it was queued (withheld-notice.ts). A notice
   * following a recipient who left was announced to others already, so it goes.
   */
  private heldBack(
    payload: RoutingPayload,
    alerts: ReadonlyMap<string, StoredAlert>,
  ): Set<NoticeSnapshot> {
    if (payload.replaces !== undefined) return new Set();
    return new Set(
      payload.notices.filter((n) => withheld(alerts.get(n.alertId)?.state ?? null, n)),
    );
  }

  /**
   * Gives the withheld notices' alerts back the notice date staff had before,
   * in the transaction that settles the routing row, so the episode is
   * announced once its inhibitor clears. The alerts are locked and read again:
   * if an evaluation changed which notices are held back since they were
   * read, the row is routed again on its next attempt.
   */
  private async withhold(
    payload: RoutingPayload,
    held: ReadonlySet<NoticeSnapshot>,
    tx: Transaction,
  ): Promise<void> {
    const locked = new Map<string, StoredAlert | null>();
    for (const notice of payload.notices) {
      if (!locked.has(notice.alertId)) {
        locked.set(notice.alertId, await this.alerts.lock(notice.alertId, tx));
      }
    }
    const now = this.heldBack(
      payload,
      new Map([...locked].flatMap(([id, alert]) => (alert === null ? [] : [[id, alert] as const]))),
    );
    if (now.size !== held.size || [...held].some((n) => !now.has(n))) {
      throw new DeliveryDeferred('an alert of this run changed while it was routed');
    }
    for (const notice of held) {
      const alert = locked.get(notice.alertId);
      if (alert === null || alert === undefined) continue;
      const before = lifecycleOf(alert);
      const after = untold(before, notice);
      if (after === before) continue;
      alert.lifecycle = JSON.stringify(after);
      // Escalation and time to acknowledge count from when staff were told.
      if (after.lastNotifiedOn === null) alert.firedAt = null;
      await this.alerts.save(alert, tx);
    }
  }

  /** A written row's recipient left: one replacement, never someone who has this one. */
  private async replacement(
    sink: OpenEmrSink,
    pid: number,
    notice: NoticeSnapshot,
    replaces: NonNullable<RoutingPayload['replaces']>,
  ): Promise<RoutingDecision> {
    const fallback = this.env.fallbackRecipients;
    const facts = await sink.routingFacts(pid, withProvider(notice.recipients), fallback);
    return replaceGoneRecipient(
      replaces.recipient,
      notice.recipients,
      facts,
      fallback,
      await this.outbox.usersAddressed(notice.alertId, replaces.kind),
    );
  }

  /**
   * The recipients a follow-up goes to: those the alert was delivered to who
   * are still active in OpenEMR, and for those who left, one replacement
   * (their provider, group or fallback) not already told. OpenEMR's API cannot
   * say who is active, so api mode writes to whom it wrote before.
   */
  private async stillThere(
    sink: OpenEmrSink,
    pid: number,
    notice: NoticeSnapshot,
    told: Recipient[],
    decisions: Map<string, RoutingDecision>,
  ): Promise<Recipient[]> {
    if (told.length === 0 || sink.mode === 'api') return told;
    const fallback = this.env.fallbackRecipients;
    const facts = await sink.routingFacts(
      pid,
      [...withProvider(notice.recipients), ...told.map((r): RecipientSpec => `user:${r.username}`)],
      fallback,
    );
    const { reachable, gone } = stillReachable(told, facts.users);
    if (gone.length === 0) return reachable;
    const recipients = [...reachable];
    const reasons: RoutingReason[] = [];
    const already = new Set(told.map((r) => r.userId));
    for (const left of gone) {
      const replaced = replaceGoneRecipient(left, notice.recipients, facts, fallback, already);
      reasons.push(...replaced.reasons);
      for (const recipient of replaced.recipients) {
        already.add(recipient.userId);
        recipients.push(recipient);
      }
    }
    if (recipients.length === 0 && !reasons.some((r) => r.code === 'already_told')) {
      reasons.push({ code: 'nobody_reachable' });
    }
    decisions.set(notice.alertId, { recipients, reasons });
    return recipients;
  }

  /** Stores whom each alert went to (for its resolved follow-up) and why fallbacks were used. */
  private async recordRouting(
    alerts: Map<string, StoredAlert>,
    decisions: Map<string, { recipients: Recipient[]; reasons: RoutingReason[] }>,
    tx?: Transaction,
  ): Promise<void> {
    for (const [alertId, decision] of decisions) {
      const alert = alerts.get(alertId);
      if (alert === undefined) continue;
      const recipients = parseRecipients(alert.recipients);
      for (const recipient of decision.recipients) {
        if (!recipients.some((r) => r.userId === recipient.userId)) recipients.push(recipient);
      }
      await this.alerts.recordRouting(
        alertId,
        JSON.stringify(recipients),
        decision.reasons.length === 0 ? null : JSON.stringify(decision.reasons),
        tx,
      );
      alert.recipients = JSON.stringify(recipients);
    }
  }

  private async writeMessage(row: Delivery, now: Date): Promise<void> {
    const sink = this.requireSink();
    const payload = JSON.parse(row.payload) as MessagePayload;
    const pid = Number(row.pid);
    const recipient = recipientOf(row);
    const chartNumber = await sink.chartNumber(pid);
    const envelope: MessageEnvelope = {
      sentAt: now,
      timeZone: this.env.CLINIC_TIME_ZONE,
      senderUsername: this.env.OPENEMR_SERVICE_USERNAME,
      recipientUsername: recipient.username,
      pid,
      chartNumber,
      publicBaseUrl: this.env.publicBaseUrl,
      deliveryId: row.marker,
    };
    const body =
      row.kind === 'resolved'
        ? renderResolvedMessage(envelope, payload.notices)
        : renderAlertMessage(
            envelope,
            payload.notices.map((n) => ({
              title: n.title,
              severity: n.severity,
              kind: n.kind === 'resolve' ? 'fire' : n.kind,
              summary: n.summary,
            })),
          );
    await this.writeOnce(
      row,
      now,
      sink.mode === 'api' ? 'api:message' : 'pnotes',
      payload.notices,
      () => sink.sendMessage({ pid, recipient, body, marker: `[vigil:${row.marker}]`, at: now }),
    );
  }

  private async writeReminder(row: Delivery, now: Date): Promise<void> {
    const sink = this.requireSink();
    const payload = JSON.parse(row.payload) as ReminderPayload;
    const pid = Number(row.pid);
    const text = renderReminderText({
      pid,
      chartNumber: await sink.chartNumber(pid),
      alerts: payload.notices,
      deliveryId: row.marker,
    });
    await this.writeOnce(row, now, 'dated_reminders', payload.notices, () =>
      sink.sendReminder({
        pid,
        recipient: recipientOf(row),
        text,
        marker: `[vigil:${row.marker}]`,
        dueDate: payload.dueDate,
        priority: payload.priority,
        at: now,
      }),
    );
  }

  /**
   * Writes to OpenEMR, then marks the row done with its audit line. A recipient
   * who left in between sends the notices back through routing.
   */
  private async writeOnce(
    row: Delivery,
    now: Date,
    table: string,
    notices: readonly NoticeSnapshot[],
    write: () => Promise<number>,
  ): Promise<void> {
    let openEmrRowId: number;
    try {
      openEmrRowId = await write();
    } catch (error) {
      if (!(error instanceof RecipientGone)) throw error;
      await this.reroute(row, now, notices, error.message);
      return;
    }
    await this.transactions.run(async (tx) => {
      await this.audit.record(
        {
          actor: 'system',
          action: 'openemr.row_written',
          subjectType: table,
          subjectId: openEmrRowId,
          pid: row.pid,
          details: {
            table,
            id: openEmrRowId,
            recipient: row.recipient,
            alerts: notices.map((n) => n.alertId),
            delivery: row.id,
          },
        },
        tx,
      );
      await this.outbox.markDelivered(row, now, openEmrRowId, tx);
    });
  }

  /**
   * The row's recipient left after routing: its notices go, once, to a
   * replacement (routing decides whom), on this row's channel only. A notice
   * rerouted MAX_REROUTES times is parked instead of chasing staff forever.
   */
  private async reroute(
    row: Delivery,
    now: Date,
    notices: readonly NoticeSnapshot[],
    reason: string,
  ): Promise<void> {
    const reroutes = ((JSON.parse(row.payload) as { reroutes?: number }).reroutes ?? 0) + 1;
    if (reroutes > MAX_REROUTES) {
      throw new Parked(`${reason}; rerouted ${MAX_REROUTES} times already`);
    }
    const channel = row.kind === 'reminder' ? ('reminder' as const) : ('message' as const);
    await this.transactions.run(async (tx) => {
      const date = openEmrDate(now, this.env.CLINIC_TIME_ZONE);
      const again = notices.map((n) => ({
        ...n,
        kind: row.kind === 'resolved' ? 'resolve' : n.kind,
        deliver: { ...n.deliver, channels: [channel] },
      }));
      await this.outbox.enqueue(
        {
          kind: 'routing',
          pid: row.pid,
          payload: {
            date,
            notices: again,
            replaces: {
              recipient: recipientOf(row),
              kind: row.kind as 'message' | 'resolved' | 'reminder',
            },
            reroutes,
          } satisfies RoutingPayload,
          alertIds: again.map((n) => n.alertId),
        },
        now,
        tx,
      );
      await this.outbox.markRerouted(row, reason, tx);
    });
  }

  private async sendEmail(row: Delivery, now: Date): Promise<void> {
    const payload = JSON.parse(row.payload) as EmailPayload;
    await this.mailer.send({
      to: row.recipient ?? '',
      subject: payload.subject,
      text: payload.text,
    });
    await this.transactions.run((tx) => this.outbox.markDelivered(row, now, null, tx));
  }

  private requireSink(): OpenEmrSink {
    if (this.sink === null) {
      throw new DeliveryDeferred(
        'no OpenEMR delivery is configured (OPENEMR_DATABASE_URL or OPENEMR_API_BASE_URL)',
      );
    }
    return this.sink;
  }
}

/** Why a routing row was not delivered (kept as its last_error, shown to staff). */
const WITHHELD =
  'not sent: its alerts are held back by a related alert (e.g. a monitoring gap); announced when that clears';

/** How many times one notice may follow departing recipients before it is parked. */
const MAX_REROUTES = 3;

/** A failure that retrying cannot mend: the row is parked as `failed` at once. */
class Parked extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Parked';
  }
}

/** Routing facts for a replacement always need the patient's current provider. */
function withProvider(named: readonly RecipientSpec[]): RecipientSpec[] {
  return named.includes('provider') ? [...named] : ['provider', ...named];
}

function base(notice: NoticeSnapshot, pid: number): Omit<RoutedNotice, 'recipients' | 'deliver'> {
  return { pid, ruleId: notice.ruleId, kind: notice.kind, severity: notice.severity };
}

function recipientOf(row: Delivery): Recipient {
  return { username: row.recipient ?? '', userId: Number(row.recipientUserId) };
}

export function parseRecipients(json: string | null): Recipient[] {
  return json === null ? [] : (JSON.parse(json) as Recipient[]);
}

/**
 * Words for `last_error` and the log: the error's kind and message. Vigil's own
 * errors never carry health values; driver errors can echo SQL parameters (the
 * message body), so only their code is kept.
 */
function failureReason(error: unknown): string {
  if (
    error instanceof DeliveryDeferred ||
    error instanceof RecipientGone ||
    error instanceof Parked ||
    error instanceof OpenEmrApiError ||
    error instanceof OpenEmrGrantMissing
  ) {
    return error.message;
  }
  if (error instanceof Error) {
    const code =
      (error as { code?: unknown; driverError?: { code?: unknown } }).driverError?.code ??
      (error as { code?: unknown }).code;
    return code === undefined ? error.name : `${error.name} (${String(code)})`;
  }
  return 'unknown failure';
}
