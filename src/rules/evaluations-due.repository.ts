import { Injectable } from '@nestjs/common';
import { DataSource, LessThan, LessThanOrEqual, type EntityManager } from 'typeorm';
import type { LocalDate } from '../time';
import { EvaluationDue } from './evaluation-due.entity';

/**
 * In a sync's transaction: adds the dates it changed to the patient's
 * evaluation due. One statement, no read first: two syncs of different
 * patients never wait on each other's gap locks.
 */
export async function recordEvaluationDue(
  manager: EntityManager,
  pid: number,
  dates: readonly LocalDate[],
  at: Date,
): Promise<void> {
  if (dates.length === 0) return;
  const joined = [...dates].sort().join(' ');
  const merge =
    manager.connection.options.type === 'mysql'
      ? "ON DUPLICATE KEY UPDATE dates = CONCAT(dates, ' ', VALUES(dates)), recorded_at = VALUES(recorded_at)"
      : "ON CONFLICT (pid) DO UPDATE SET dates = dates || ' ' || excluded.dates, recorded_at = excluded.recorded_at";
  const driver = manager.connection.driver;
  const recordedAt = manager.connection
    .getMetadata(EvaluationDue)
    .findColumnWithPropertyName('recordedAt')!;
  await manager.query(
    `INSERT INTO evaluations_due (pid, dates, recorded_at) VALUES (?, ?, ?) ${merge}`,
    [pid, joined, driver.preparePersistentValue(at, recordedAt)],
  );
}

/** A patient's due evaluation as read: the dates, and the write it answers. */
export interface DueEvaluation {
  pid: number;
  dates: LocalDate[];
  recordedAt: Date;
}

/** The `evaluations_due` table: synced days waiting for their evaluation (see EvaluationDue). */
@Injectable()
export class EvaluationsDueRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** See recordEvaluationDue: in the sync's transaction. */
  record(
    pid: number,
    dates: readonly LocalDate[],
    at: Date,
    manager: EntityManager,
  ): Promise<void> {
    return recordEvaluationDue(manager, pid, dates, at);
  }

  async of(pid: number): Promise<DueEvaluation | null> {
    const row = await this.dataSource.getRepository(EvaluationDue).findOneBy({ pid });
    return row === null ? null : due(row);
  }

  /** Recorded before `before`: evaluations whose process is gone; oldest first. */
  async recordedBefore(before: Date, limit: number): Promise<DueEvaluation[]> {
    const rows = await this.dataSource.getRepository(EvaluationDue).find({
      where: { recordedAt: LessThan(before) },
      order: { recordedAt: 'ASC' },
      take: limit,
    });
    return rows.map(due);
  }

  /** The evaluation of what was read stored its outcomes: done, unless a sync added dates since. */
  async settle(evaluated: DueEvaluation): Promise<void> {
    await this.dataSource.getRepository(EvaluationDue).delete({
      pid: evaluated.pid,
      recordedAt: LessThanOrEqual(evaluated.recordedAt),
    });
  }
}

function due(row: EvaluationDue): DueEvaluation {
  return {
    pid: Number(row.pid),
    dates: [...new Set(row.dates.split(' ').filter(Boolean))].sort(),
    recordedAt: row.recordedAt,
  };
}
