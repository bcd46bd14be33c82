import { Injectable } from '@nestjs/common';
import type { Transaction } from '../database/transactions';
import type { AuditEvent } from './audit-event.entity';
import { AuditEventRepository } from './audit-event.repository';
import { groupBy } from '../grouping';

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

/**
 * Appends to the audit trail, inside the caller's transaction when given one,
 * and reads it back for the pages. Its table is `AuditEventRepository`'s.
 */
@Injectable()
export class AuditTrail {
  constructor(private readonly events: AuditEventRepository) {}

  async record(entry: AuditEntry, tx?: Transaction): Promise<void> {
    await this.events.append(
      {
        occurredAt: new Date(),
        actor: entry.actor,
        action: entry.action,
        subjectType: entry.subjectType,
        subjectId: entry.subjectId == null ? null : String(entry.subjectId),
        pid: entry.pid ?? null,
        details: entry.details ? JSON.stringify(entry.details) : null,
      },
      tx,
    );
  }

  /** The patient's connection changes (CONNECTION_CHANGES), oldest first. */
  async connectionChanges(pid: number): Promise<AuditEvent[]> {
    return this.events.ofPatient(pid, Object.values(CONNECTION_CHANGES), 500);
  }

  /** Each patient's latest connection change of each kind, oldest first. */
  async latestConnectionChanges(pids: readonly number[]): Promise<Map<number, AuditEvent[]>> {
    const rows = await this.events.latestOfEachAction(pids, Object.values(CONNECTION_CHANGES));
    return groupBy(rows, (row) => Number(row.pid));
  }

  async recent(limit = 100): Promise<AuditEvent[]> {
    return this.events.recent(limit);
  }
}
