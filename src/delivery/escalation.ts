import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, LessThanOrEqual, Not } from 'typeorm';
import { StoredAlert } from '../alerts/alert.entity';
import { Environment } from '../config/environment';
import { inTransaction } from '../database/transactions';
import { Mailer } from '../mail/mailer';
import { openEmrDate } from '../time';
import { Delivery } from './delivery.entity';
import { renderDigestEmail, renderEscalationEmail } from './openemr-text';
import { enqueueDelivery } from './outbox';

/**
 * Email is the safety net, not the channel: urgent alerts nobody acknowledged
 * in time, and a daily count. Both go through the outbox, and never carry a
 * name, chart number or health value (email leaves the clinic's systems).
 */
@Injectable()
export class Escalations {
  constructor(
    private readonly dataSource: DataSource,
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
    return inTransaction(this.dataSource, async (manager) => {
      const overdue = await manager.getRepository(StoredAlert).find({
        where: {
          severity: 'urgent',
          state: 'firing',
          escalatedAt: IsNull(),
          firedAt: LessThanOrEqual(cutoff),
        },
        order: { id: 'ASC' },
      });
      if (overdue.length === 0) return 0;
      const email = renderEscalationEmail({
        alerts: overdue,
        afterHours: this.env.ESCALATE_AFTER_HOURS,
        signInUrl: `${this.env.publicBaseUrl}/`,
        at: now,
        timeZone: this.env.CLINIC_TIME_ZONE,
      });
      for (const address of this.env.escalationEmails) {
        await enqueueDelivery(
          manager,
          {
            kind: 'email',
            pid: null,
            recipient: address,
            payload: email,
            alertIds: overdue.map((a) => a.id),
          },
          now,
        );
      }
      for (const alert of overdue) {
        await manager.getRepository(StoredAlert).update({ id: alert.id }, { escalatedAt: now });
      }
      return overdue.length;
    });
  }

  /** Enqueues today's digest for each address, once per clinic day; returns how many were new. */
  async enqueueDigest(now = new Date()): Promise<number> {
    if (!this.enabled) return 0;
    const day = openEmrDate(now, this.env.CLINIC_TIME_ZONE);
    return inTransaction(this.dataSource, async (manager) => {
      const open = await manager.getRepository(StoredAlert).find({
        where: { state: Not('resolved'), firedAt: Not(IsNull()) },
      });
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
        if (await manager.getRepository(Delivery).existsBy({ dedupKey })) continue;
        await enqueueDelivery(
          manager,
          { kind: 'email', pid: null, recipient: address, payload: email, dedupKey },
          now,
        );
        enqueued += 1;
      }
      return enqueued;
    });
  }
}
