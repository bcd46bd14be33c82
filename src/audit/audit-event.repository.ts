import { Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import type { Transaction } from '../database/transactions';
import { AuditEvent } from './audit-event.entity';

/** A new line of the trail, as the table stores it. */
export type NewAuditEvent = Omit<AuditEvent, 'id'>;

/** The only code that speaks to `audit_events` (append-only: no update, no delete). */
@Injectable()
export class AuditEventRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends one event, inside the caller's transaction when given one. */
  async append(event: NewAuditEvent, tx: Transaction = this.dataSource.manager): Promise<void> {
    await tx.getRepository(AuditEvent).insert(event);
  }

  /** The patient's events with one of `actions`, oldest first (at most `limit`). */
  async ofPatient(pid: number, actions: readonly string[], limit: number): Promise<AuditEvent[]> {
    return this.dataSource.getRepository(AuditEvent).find({
      where: { pid, action: In([...actions]) },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /** Each patient's latest event of each of `actions`, oldest first, in one query. */
  async latestOfEachAction(
    pids: readonly number[],
    actions: readonly string[],
  ): Promise<AuditEvent[]> {
    if (pids.length === 0 || actions.length === 0) return [];
    return this.dataSource
      .getRepository(AuditEvent)
      .createQueryBuilder('e')
      .where('e.pid IN (:...pids)', { pids: [...new Set(pids)] })
      .andWhere(
        'e.id IN (SELECT MAX(x.id) FROM audit_events x WHERE x.action IN (:...actions) GROUP BY x.pid, x.action)',
        { actions: [...actions] },
      )
      .orderBy('e.id', 'ASC')
      .getMany();
  }

  /** The newest events, newest first. */
  async recent(limit: number): Promise<AuditEvent[]> {
    return this.dataSource.getRepository(AuditEvent).find({ order: { id: 'DESC' }, take: limit });
  }
}
