import { Injectable } from '@nestjs/common';
import { DataSource, In, type Repository } from 'typeorm';
import { RawColumns } from '../database/raw-columns';
import type { Transaction } from '../database/transactions';
import { Enrollment, EnrollmentStatus } from './enrollment.entity';

/** What evaluation reads of an enrollment (the daily run lists every watched patient). */
export type EvaluatedEnrollment = Pick<Enrollment, 'id' | 'pid' | 'program' | 'timeZone'>;

/**
 * The `enrollments` table's one owner: which OpenEMR patients are monitored,
 * how often, and in what state. Methods that take a `Transaction` run inside
 * the caller's.
 */
@Injectable()
export class EnrollmentRepository {
  /** Every column, for the reads every sync makes (hand-written, raw-columns.ts). */
  private readonly columns: RawColumns<Enrollment, keyof Enrollment & string>;

  constructor(private readonly dataSource: DataSource) {
    this.columns = RawColumns.all(dataSource, Enrollment);
  }

  private rows(transaction?: Transaction): Repository<Enrollment> {
    return (transaction ?? this.dataSource.manager).getRepository(Enrollment);
  }

  byId(id: number, transaction?: Transaction): Promise<Enrollment | null> {
    return this.oneBy('id', id, transaction);
  }

  byPid(pid: number, transaction?: Transaction): Promise<Enrollment | null> {
    return this.oneBy('pid', pid, transaction);
  }

  /** The enrollment with this id or pid (each is unique), as findOneBy reads it. */
  private async oneBy(
    property: 'id' | 'pid',
    value: number,
    transaction?: Transaction,
  ): Promise<Enrollment | null> {
    const { table, selection } = this.columns;
    const [row] = (await (transaction ?? this.dataSource.manager).query(
      `SELECT ${selection} FROM ${table} WHERE ${this.columns.name(property)} = ? LIMIT 1`,
      [this.columns.value(property, value)],
    )) as Record<string, unknown>[];
    return row === undefined ? null : this.columns.entity(row);
  }

  /** The enrollments of those of `pids` that are enrolled, in no particular order. */
  byPids(pids: readonly number[]): Promise<Enrollment[]> {
    if (pids.length === 0) return Promise.resolve([]);
    return this.rows().findBy({ pid: In([...new Set(pids)]) });
  }

  /** Each enrolled patient's time zone among `pids` (null until their Google settings were read). */
  async timeZones(pids: readonly number[]): Promise<Map<number, string | null>> {
    if (pids.length === 0) return new Map();
    const rows = await this.rows().find({
      where: { pid: In([...new Set(pids)]) },
      select: { pid: true, timeZone: true },
    });
    return new Map(rows.map((row) => [Number(row.pid), row.timeZone]));
  }

  /** Enrollments in `status` (all when absent), by pid. */
  list(status?: EnrollmentStatus): Promise<Enrollment[]> {
    return this.rows().find({ where: status ? { status } : {}, order: { pid: 'ASC' } });
  }

  /**
   * Enrollments in any of `statuses` (of `pids` only, when given), by pid, with
   * only what evaluation reads: the whole cohort's full rows would be a spike
   * of memory the cohort's size.
   */
  watched(
    statuses: readonly EnrollmentStatus[],
    pids?: readonly number[],
  ): Promise<EvaluatedEnrollment[]> {
    return this.rows().find({
      where: {
        status: In([...statuses]),
        ...(pids === undefined ? {} : { pid: In([...new Set(pids)]) }),
      },
      select: { id: true, pid: true, program: true, timeZone: true },
      order: { pid: 'ASC' },
    });
  }

  /** The programs patients are enrolled in, sorted. */
  async programs(): Promise<string[]> {
    const rows = await this.rows()
      .createQueryBuilder('e')
      .select('DISTINCT e.program', 'program')
      .where('e.program IS NOT NULL')
      .orderBy('program', 'ASC')
      .getRawMany<{ program: string }>();
    return rows.map((r) => r.program);
  }

  /** Inserts (no id) or updates the enrollment; returns it with its id. */
  save(
    enrollment: Omit<Enrollment, 'id'> & { id?: number },
    transaction?: Transaction,
  ): Promise<Enrollment> {
    return this.rows(transaction).save(enrollment);
  }

  /** The patient connected their wearable: syncing starts; the zone from Google when it sent one. */
  async markConnected(
    id: number,
    timeZone: string | null,
    at: Date,
    transaction: Transaction,
  ): Promise<void> {
    await this.rows(transaction).update({ id }, { status: 'active', timeZone, updatedAt: at });
  }

  /** The wearable was disconnected: paused (invite again) or ended (monitoring over). */
  async markDisconnected(
    id: number,
    status: 'paused' | 'ended',
    at: Date,
    transaction: Transaction,
  ): Promise<void> {
    await this.rows(transaction).update(
      { id },
      { status, updatedAt: at, ...(status === 'ended' ? { endedAt: at } : {}) },
    );
  }

  /** Google refused the stored grant: the patient must consent again before syncing resumes. */
  async markNeedsReconsent(id: number, at: Date, transaction: Transaction): Promise<void> {
    await this.rows(transaction).update({ id }, { status: 'needs_reconsent', updatedAt: at });
  }
}
