import {
  DataSource,
  In,
  type EntityTarget,
  type FindOptionsWhere,
  type ObjectLiteral,
  type SelectQueryBuilder,
} from 'typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { inTransaction } from './transactions';
import { attemptsSpent, retryDelayMs, type WorkPolicy } from './work-policy';

/**
 * A table read as a queue: which columns (by entity property) carry the
 * queue's state. The table's own repository describes it and keeps every
 * other column to itself.
 */
export interface QueueTable<T extends ObjectLiteral> {
  /** The queue's name in logs, metrics and /health/ready. */
  name: string;
  entity: EntityTarget<T>;
  /** The primary key. */
  key: keyof T & string;
  /**
   * When any process may next take the item: a claim moves it past the lease
   * (unless the table keeps its lease apart, below), a failure past the
   * backoff.
   */
  dueAt: keyof T & string;
  /**
   * A lease apart from the due time, for a table that keeps both (the
   * outbox's `claimed_until` beside `next_attempt_at`): a claim or a renewal
   * writes it, a failure clears it. The lease a claim wrote is the claimer's
   * proof of ownership: a renewal or a failure changes the row only while it
   * stands.
   */
  leasedUntil?: keyof T & string;
  /**
   * Who holds the lease, for people reading the table (the claiming
   * process's host, pid and a random tag): a claim writes it. The lease, not
   * this, proves ownership; whoever ends the lease clears it.
   */
  claimedBy?: keyof T & string;
  /** Claims so far: a process that died mid-work spent an attempt too. */
  attempts: keyof T & string;
  /** Why the last attempt failed, in words (at most 500 characters). */
  lastError: keyof T & string;
  /** Claim order among due items, by these columns in turn. */
  order: (keyof T & string)[];
  /** The items still to do, whether due or not. */
  waiting: FindOptionsWhere<T>;
  /** The columns that park an item as failed. */
  park(now: Date): Partial<T>;
}

/** What happened to a failed attempt. */
export type Failure =
  /** Due again after the backoff. */
  | 'retrying'
  /** Parked as failed: no attempt left (or no point in another); someone must look. */
  | 'parked'
  /** Our lease had lapsed: another process may hold it now, and its attempt decides. */
  | 'lost';

/**
 * The one leased-queue mechanism (docs/architecture.md, "Durable work"). A
 * claim reads due items and moves their due time past a lease in one
 * transaction: on MySQL the read takes `FOR UPDATE SKIP LOCKED`, so processes
 * take different rows without waiting on each other; the embedded SQLite
 * database belongs to one process, whose transactions queue
 * (transactions.ts). Finishing an item is the table's business (delete it,
 * mark it done): its repository does that, often in the transaction of the
 * work itself. `renew` and `fail` need only the item's key, lease and
 * attempts as the claim returned them.
 */
export class LeasedQueue<T extends ObjectLiteral> {
  /** This process, as a table's `claimedBy` column shows it. */
  readonly owner = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly dataSource: DataSource,
    readonly table: QueueTable<T>,
    readonly policy: WorkPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** Up to `limit` due items, leased to the caller until `now` + the lease. */
  claimDue(now: Date, limit: number): Promise<T[]> {
    const { dueAt, order } = this.table;
    return this.claim(now, (query) => {
      query.andWhere(`q.${dueAt} <= :now`, { now });
      for (const column of order) query.addOrderBy(`q.${column}`, 'ASC');
      query.limit(limit);
    });
  }

  /**
   * The item with this key, due or not (someone asked for it at once), leased
   * to the caller; null when it is not waiting or another process holds it.
   * Only for a table whose lease has a column of its own: a due time in the
   * future does not say whether the item is leased or just not due yet.
   */
  async claimNow(key: T[keyof T & string], now: Date): Promise<T | null> {
    if (this.table.leasedUntil === undefined)
      throw new Error(`${this.table.name} keeps no lease apart from its due time`);
    const [item] = await this.claim(now, (query) =>
      query.andWhere(`q.${this.table.key} = :key`, { key }),
    );
    return item ?? null;
  }

  private claim(now: Date, narrow: (query: SelectQueryBuilder<T>) => void): Promise<T[]> {
    const { entity, key, leasedUntil, attempts, waiting, claimedBy } = this.table;
    return inTransaction(this.dataSource, async (manager) => {
      const query = manager.getRepository(entity).createQueryBuilder('q').where(waiting);
      if (leasedUntil !== undefined) {
        query.andWhere(`(q.${leasedUntil} IS NULL OR q.${leasedUntil} < :now)`, { now });
      }
      narrow(query);
      if (manager.connection.options.type === 'mysql') {
        query.setLock('pessimistic_write').setOnLocked('skip_locked');
      }
      const rows = await query.getMany();
      if (rows.length === 0) return rows;
      const lease = {
        [this.lease]: new Date(now.getTime() + this.policy.leaseMs),
        ...(claimedBy === undefined ? {} : { [claimedBy]: this.owner }),
      };
      const counted = this.column(attempts);
      await manager
        .getRepository(entity)
        .createQueryBuilder()
        .update()
        .set({ ...lease, [attempts]: () => `${counted} + 1` } as never)
        .where({ [key]: In(rows.map((row) => row[key])) })
        .execute();
      return rows.map((row) =>
        Object.assign(row, lease, { [attempts]: Number(row[attempts]) + 1 }),
      );
    });
  }

  /**
   * Extends the lease on an item the caller still holds (its due time as the
   * claim or the last renewal wrote it); false when it was finished, parked or
   * claimed by another process after the lease ran out.
   */
  async renew(item: Partial<T>, now: Date): Promise<boolean> {
    const lease = { [this.lease]: new Date(now.getTime() + this.policy.leaseMs) } as Partial<T>;
    if (!(await this.whileHeld(item, lease))) return false;
    Object.assign(item, lease);
    return true;
  }

  /**
   * Records a failed attempt on an item the caller holds: due again after the
   * backoff, or parked as failed once its attempts are spent (at once with
   * `park`, for a failure no retry can mend). `reason` is words, never a
   * health value or a secret.
   */
  async fail(item: Partial<T>, now: Date, reason: string, park = false): Promise<Failure> {
    const { dueAt, leasedUntil, lastError, attempts } = this.table;
    const tries = Number(item[attempts]);
    const parked = park || attemptsSpent(this.policy, tries);
    const changes = {
      [lastError]: reason.slice(0, 500),
      [dueAt]: new Date(now.getTime() + retryDelayMs(this.policy, tries, this.random)),
      ...(leasedUntil === undefined ? {} : { [leasedUntil]: null }),
      ...(parked ? this.table.park(now) : {}),
    } as Partial<T>;
    if (!(await this.whileHeld(item, changes))) return 'lost';
    return parked ? 'parked' : 'retrying';
  }

  private async whileHeld(item: Partial<T>, changes: Partial<T>): Promise<boolean> {
    const { entity, key, waiting } = this.table;
    const held = {
      ...waiting,
      [key]: item[key],
      [this.lease]: item[this.lease],
    } as FindOptionsWhere<T>;
    const result = await inTransaction(this.dataSource, (manager) =>
      manager.getRepository(entity).update(held, changes as never),
    );
    return result.affected === 1;
  }

  /** The column holding the lease: its own, or the due time. */
  private get lease(): keyof T & string {
    return this.table.leasedUntil ?? this.table.dueAt;
  }

  private column(property: string): string {
    const column = this.dataSource
      .getMetadata(this.table.entity)
      .findColumnWithPropertyName(property);
    if (column === undefined) throw new Error(`${this.table.name} has no column ${property}`);
    return column.databaseName;
  }
}
