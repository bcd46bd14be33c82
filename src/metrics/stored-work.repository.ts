import { Injectable } from '@nestjs/common';
import { DataSource, type FindOptionsWhere, IsNull, Not, type ObjectLiteral } from 'typeorm';
import { StoredAlert } from '../alerts/alert.entity';
import { AlertStepDue } from '../alerts/alert-step-due.entity';
import { ALERT_STATES } from '../alerts/alerts.dto';
import { Delivery, type DeliveryKind } from '../delivery/delivery.entity';
import { PendingEvent } from '../events/pending-event.entity';
import { EvaluationDue } from '../rules/evaluation-due.entity';
import { SEVERITIES } from '../rules/rule-definition';
import { RuleOutcome } from '../rules/rule-outcome.entity';
import { WearableConnection } from '../wearables/wearable-connection.entity';
import type { FailedWork, QueueReading, StoredWorkReadings } from './metrics';

const DELIVERY_KINDS: readonly DeliveryKind[] = [
  'routing',
  'message',
  'resolved',
  'reminder',
  'email',
];

/**
 * Counts of waiting work, read at each scrape: a few indexed counts and one
 * oldest row per queue. Only counts and fixed enumerations leave this class.
 */
@Injectable()
export class StoredWork {
  constructor(private readonly dataSource: DataSource) {}

  async read(now = new Date()): Promise<StoredWorkReadings> {
    return {
      queues: {
        sync_due: await this.syncDue(now),
        outbox_pending: await this.oldest(Delivery, 'createdAt', { status: 'pending' }, now),
        evaluations_due: await this.oldest(
          EvaluationDue,
          'recordedAt',
          { failedAt: IsNull() },
          now,
        ),
        unstepped_outcomes: await this.oldest(
          RuleOutcome,
          'evaluatedAt',
          { alertsAppliedAt: IsNull() },
          now,
        ),
        pending_events: await this.oldest(PendingEvent, 'recordedAt', { failedAt: IsNull() }, now),
      },
      failed: await this.failed(),
      outbox: await this.outbox(),
      alerts: await this.alerts(),
    };
  }

  /**
   * Work parked as failed after its last attempt, by queue (src/database/
   * leased-queue.ts): nobody retries it, so someone must look.
   */
  async failed(): Promise<FailedWork> {
    const parked = { failedAt: Not(IsNull()) };
    return {
      pending_events: await this.dataSource.getRepository(PendingEvent).countBy(parked),
      evaluations_due: await this.dataSource.getRepository(EvaluationDue).countBy(parked),
      alert_steps_due: await this.dataSource.getRepository(AlertStepDue).countBy(parked),
      outbox: await this.dataSource.getRepository(Delivery).countBy({ status: 'failed' }),
    };
  }

  /** Connected, enrolled patients whose next sync time has passed (leased ones are not due). */
  private async syncDue(now: Date): Promise<QueueReading> {
    const query = this.dataSource
      .getRepository(WearableConnection)
      .createQueryBuilder('c')
      .where('c.disconnectedAt IS NULL')
      .andWhere('c.refreshSecretId IS NOT NULL')
      .andWhere('c.nextSyncAt <= :now', { now })
      .andWhere("c.enrollmentId IN (SELECT e.id FROM enrollments e WHERE e.status = 'active')");
    const depth = await query.clone().getCount();
    const first = depth > 0 ? await query.orderBy('c.nextSyncAt', 'ASC').getOne() : null;
    return { depth, oldestAgeSeconds: ageSeconds(first?.nextSyncAt ?? null, now) };
  }

  private async oldest<T extends ObjectLiteral>(
    entity: new () => T,
    timeField: keyof T & string,
    where: FindOptionsWhere<T>,
    now: Date,
  ): Promise<QueueReading> {
    const repository = this.dataSource.getRepository(entity);
    const depth = await repository.count({ where });
    if (depth === 0) return { depth, oldestAgeSeconds: 0 };
    const first = await repository.findOne({
      where: { ...where, [timeField]: Not(IsNull()) } as FindOptionsWhere<T>,
      order: { [timeField]: 'ASC' } as never,
    });
    return { depth, oldestAgeSeconds: ageSeconds((first?.[timeField] as Date) ?? null, now) };
  }

  private async outbox(): Promise<StoredWorkReadings['outbox']> {
    const rows: { kind: string; status: string; count: string | number }[] = await this.dataSource
      .getRepository(Delivery)
      .createQueryBuilder('d')
      .select('d.kind', 'kind')
      .addSelect('d.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .where('d.status IN (:...statuses)', { statuses: ['pending', 'failed'] })
      .groupBy('d.kind')
      .addGroupBy('d.status')
      .getRawMany();
    return DELIVERY_KINDS.map((kind) => {
      const count = (status: string): number =>
        Number(rows.find((r) => r.kind === kind && r.status === status)?.count ?? 0);
      return { kind, pending: count('pending'), failed: count('failed') };
    });
  }

  private async alerts(): Promise<StoredWorkReadings['alerts']> {
    const rows: { state: string; severity: string; count: string | number }[] =
      await this.dataSource
        .getRepository(StoredAlert)
        .createQueryBuilder('a')
        .select('a.state', 'state')
        .addSelect('a.severity', 'severity')
        .addSelect('COUNT(*)', 'count')
        .groupBy('a.state')
        .addGroupBy('a.severity')
        .getRawMany();
    // Every known pair, so a state that emptied reads 0; anything unknown is dropped.
    return ALERT_STATES.flatMap((state) =>
      SEVERITIES.map((severity) => ({
        state,
        severity,
        count: Number(rows.find((r) => r.state === state && r.severity === severity)?.count ?? 0),
      })),
    );
  }
}

function ageSeconds(since: Date | null, now: Date): number {
  return since ? Math.max(0, (now.getTime() - since.getTime()) / 1000) : 0;
}
