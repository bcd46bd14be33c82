import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { AuditEvent } from './audit-event.entity';

export interface AuditEntry {
  actor: string;
  action: string;
  subjectType: string;
  subjectId?: string | number | null;
  pid?: number | null;
  /** Non-sensitive details only: never token values or health values. */
  details?: Record<string, unknown>;
}

/**
 * Changes after which a patient's days are not comparable with those before:
 * another Google account (another person's or device's data), another time
 * zone (days cut at other hours), another kind of device. Staff see them on
 * the patient page, and the charts break there.
 */
export const CONNECTION_CHANGES = {
  account: 'consent.account_changed',
  timeZone: 'consent.time_zone_changed',
  device: 'device.changed',
} as const;

/** Appends to the audit trail, inside the caller's transaction when given one. */
@Injectable()
export class AuditTrail {
  constructor(private readonly dataSource: DataSource) {}

  async record(entry: AuditEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.getRepository(AuditEvent).insert({
      occurredAt: new Date(),
      actor: entry.actor,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId == null ? null : String(entry.subjectId),
      pid: entry.pid ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
    });
  }

  /** The patient's connection changes (CONNECTION_CHANGES), oldest first. */
  async connectionChanges(pid: number): Promise<AuditEvent[]> {
    return this.dataSource.getRepository(AuditEvent).find({
      where: { pid, action: In(Object.values(CONNECTION_CHANGES)) },
      order: { id: 'ASC' },
      take: 500,
    });
  }

  /** Each patient's latest connection change of each kind, oldest first. */
  async latestConnectionChanges(pids: readonly number[]): Promise<Map<number, AuditEvent[]>> {
    const byPatient = new Map<number, AuditEvent[]>();
    if (pids.length === 0) return byPatient;
    const rows = await this.dataSource
      .getRepository(AuditEvent)
      .createQueryBuilder('e')
      .where('e.pid IN (:...pids)', { pids: [...new Set(pids)] })
      .andWhere(
        'e.id IN (SELECT MAX(x.id) FROM audit_events x WHERE x.action IN (:...actions) GROUP BY x.pid, x.action)',
        { actions: Object.values(CONNECTION_CHANGES) },
      )
      .orderBy('e.id', 'ASC')
      .getMany();
    for (const row of rows) {
      const pid = Number(row.pid);
      byPatient.set(pid, [...(byPatient.get(pid) ?? []), row]);
    }
    return byPatient;
  }

  async recent(limit = 100): Promise<AuditEvent[]> {
    return this.dataSource.getRepository(AuditEvent).find({ order: { id: 'DESC' }, take: limit });
  }
}
