import { Injectable } from '@nestjs/common';
import { AlertRepository } from '../alerts/alert.repository';
import { Environment } from '../config/environment';
import { Transactions } from '../database/transactions';
import { Mailer } from '../mail/mailer';
import { openEmrDate } from '../time';
import { renderDigestEmail, renderEscalationEmail } from './openemr-text';
import { OutboxRepository } from './outbox.repository';

/**
 * Email is the safety net, not the channel: urgent alerts nobody acknowledged
 * in time, and a daily count. Both go through the outbox, and never carry a
 * name, chart number or health value (email leaves the clinic's systems).
 */
@Injectable()
export class Escalations {
  constructor(
    private readonly transactions: Transactions,
    private readonly alerts: AlertRepository,
    private readonly outbox: OutboxRepository,
    private readonly mailer: Mailer,
    private readonly env: Environment,
  ) {}

  private get enabled(): boolean {
    return this.env.escalationEmails.length > 0 && this.mailer.isConfigured;
  }

  /** Enqueues one email per address about urgent alerts unacknowledged for too long; returns how many alerts. */
  async escalateOverdue(now = new Date()): Promise<number> {
    if (!this.enabled) return 0;
    const cutoff = new Date(now.getTime() - this.env.ESCALATE_AFTER_HOURS * 3_600_000);
    return this.transactions.run(async (tx) => {
      const overdue = await this.alerts.overdueUrgent(cutoff, tx);
      if (overdue.length === 0) return 0;
      const email = renderEscalationEmail({
        alerts: overdue,
        afterHours: this.env.ESCALATE_AFTER_HOURS,
        signInUrl: `${this.env.publicBaseUrl}/`,
        at: now,
        timeZone: this.env.CLINIC_TIME_ZONE,
      });
      for (const address of this.env.escalationEmails) {
        await this.outbox.enqueue(
          {
            kind: 'email',
            pid: null,
            recipient: address,
            payload: email,
            alertIds: overdue.map((a) => a.id),
          },
          now,
          tx,
        );
      }
      await this.alerts.markEscalated(
        overdue.map((a) => a.id),
        now,
        tx,
      );
      return overdue.length;
    });
  }

  /** Enqueues today's digest for each address, once per clinic day; returns how many were new. */
  async enqueueDigest(now = new Date()): Promise<number> {
    if (!this.enabled) return 0;
    const day = openEmrDate(now, this.env.CLINIC_TIME_ZONE);
    return this.transactions.run(async (tx) => {
      const open = await this.alerts.firedAndOpen(tx);
      const email = renderDigestEmail({
        alerts: open.map((a) => ({
          severity: a.severity,
          acknowledged: a.state === 'acknowledged',
        })),
        signInUrl: `${this.env.publicBaseUrl}/`,
        at: now,
        timeZone: this.env.CLINIC_TIME_ZONE,
      });
      let enqueued = 0;
      for (const address of this.env.escalationEmails) {
        const dedupKey = `digest:${day}:${address}`.slice(0, 191);
        if (await this.outbox.hasDedupKey(dedupKey, tx)) continue;
        await this.outbox.enqueue(
          { kind: 'email', pid: null, recipient: address, payload: email, dedupKey },
          now,
          tx,
        );
        enqueued += 1;
      }
      return enqueued;
    });
  }
}
