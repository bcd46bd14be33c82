import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
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

  async recent(limit = 100): Promise<AuditEvent[]> {
    return this.dataSource.getRepository(AuditEvent).find({ order: { id: 'DESC' }, take: limit });
  }
}
