import {
  DataSource,
  In,
  Not,
  IsNull,
  type EntityManager,
  type EntityTarget,
  type FindOptionsWhere,
  type ObjectLiteral,
} from 'typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { RawColumns, type Sql } from './raw-columns';
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
  /**
   * The index a claim of due items reads through on MySQL, when the table
   * keeps its lease apart: one that holds the lease beside the due time, so
   * the claim passes over leased items without locking them (their owners'
   * writes would wait for the claim's commit). Named, as on a small table
   * MariaDB would scan the table. A claim by key reads the key.
   */
  claimIndex?: string;
  /** The items still to do, whether due or not. */
  waiting: FindOptionsWhere<T>;
  /**
   * When an item was recorded: the age of the oldest waiting item is
   * counted from it (the due time when absent).
   */
  recordedAt?: keyof T & string;
  /** The columns that park an item as failed. */
  park(now: Date): Partial<T>;
  /** The items parked as failed. */
  parked: FindOptionsWhere<T>;
  /** The columns that put a parked item back among the waiting ones (undoing `park`). */
  unpark: Partial<T>;
}

/** One item parked as failed, as an operator sees it: never its payload. */
export interface ParkedItem {
  /** The item's key, as text. */
  key: string;
  attempts: number;
  /** When it was parked (a parked item's due time records it). */
  parkedAt: Date;
  /** Why its last attempt failed, in words. */
  lastError: string | null;
}

/** What metrics and /health/ready read of a queue. */
export interface QueueReading {
  /** Items still to do, due or not. */
  depth: number;
  /** Seconds since the oldest waiting item was recorded; 0 when none waits. */
  oldestAgeSeconds: number;
  /** Items parked as failed. */
  failed: number;
}

/**
 * What operators, metrics and /health/ready may do with a queue: read its
 * figures, list its parked items and put them back. Owners hand this out
 * (`work`), never the claim, renewal or failure.
 */
export interface WorkQueue {
  readonly name: string;
  parked(limit: number): Promise<{ total: number; items: ParkedItem[] }>;
  retryParked(
    keys: readonly string[] | 'all',
    now: Date,
    manager?: EntityManager,
  ): Promise<string[]>;
  reading(now: Date): Promise<QueueReading>;
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
export class LeasedQueue<T extends ObjectLiteral> implements WorkQueue {
  /** This process, as a table's `claimedBy` column shows it. */
  readonly owner = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(4).toString('hex')}`;

  /** Every column, for the claim's hand-written statements. */
  private readonly columns: RawColumns<T, keyof T & string>;
  /** `waiting` in SQL. */
  private readonly waiting: Sql;

  constructor(
    private readonly dataSource: DataSource,
    readonly table: QueueTable<T>,
    readonly policy: WorkPolicy,
    private readonly random: () => number = Math.random,
  ) {
    this.columns = RawColumns.all(dataSource, table.entity);
    this.waiting = this.columns.where(table.waiting as FindOptionsWhere<Pick<T, keyof T & string>>);
  }

  get name(): string {
    return this.table.name;
  }

  /** Up to `limit` due items, leased to the caller until `now` + the lease. */
  claimDue(now: Date, limit: number): Promise<T[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`not a claim's limit: ${limit}`);
    const { dueAt, order } = this.table;
    const columns = this.columns;
    return this.claim(
      now,
      { sql: `${columns.name(dueAt)} <= ?`, parameters: [columns.value(dueAt, now)] },
      ` ORDER BY ${order.map((column) => `${columns.name(column)} ASC`).join(', ')} LIMIT ${limit}`,
      this.table.claimIndex,
    );
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
    const column = this.table.key;
    const [item] = await this.claim(
      now,
      { sql: `${this.columns.name(column)} = ?`, parameters: [this.columns.value(column, key)] },
      '',
    );
    return item ?? null;
  }

  /**
   * Hand-written SQL (raw-columns.ts), as every sync claims: the rows and the
   * lease are those TypeORM's query builder read and wrote, at a third of its
   * CPU.
   */
  private claim(now: Date, narrow: Sql, tail: string, index?: string): Promise<T[]> {
    const { key, leasedUntil, attempts, claimedBy } = this.table;
    const columns = this.columns;
    return inTransaction(this.dataSource, async (manager) => {
      const conditions = [this.waiting.sql, narrow.sql];
      const parameters = [...this.waiting.parameters, ...narrow.parameters];
      if (leasedUntil !== undefined) {
        const lease = columns.name(leasedUntil);
        conditions.push(`(${lease} IS NULL OR ${lease} < ?)`);
        parameters.push(columns.value(leasedUntil, now));
      }
      const mysql = manager.connection.options.type === 'mysql';
      const lock = mysql ? ' FOR UPDATE SKIP LOCKED' : '';
      const through = mysql && index !== undefined ? ` FORCE INDEX (${index})` : '';
      const found = (await manager.query(
        `SELECT ${columns.selection} FROM ${columns.table}${through} WHERE ${conditions.join(' AND ')}${tail}${lock}`,
        parameters,
      )) as Record<string, unknown>[];
      if (found.length === 0) return [];
      const rows = found.map((row) => columns.entity(row));
      const lease = {
        [this.lease]: new Date(now.getTime() + this.policy.leaseMs),
        ...(claimedBy === undefined ? {} : { [claimedBy]: this.owner }),
      } as Partial<T>;
      const set = columns.assignments(lease);
      const counted = columns.name(attempts);
      await manager.query(
        `UPDATE ${columns.table} SET ${set.sql}, ${counted} = ${counted} + 1 WHERE ${columns.name(key)} IN (${rows.map(() => '?').join(', ')})`,
        [...set.parameters, ...rows.map((row) => columns.value(key, row[key]))],
      );
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
   * `park`, for a failure no retry can mend; its due time then records when).
   * `reason` is words, never a health value or a secret.
   */
  async fail(item: Partial<T>, now: Date, reason: string, park = false): Promise<Failure> {
    const { dueAt, leasedUntil, lastError, attempts } = this.table;
    const tries = Number(item[attempts]);
    const parked = park || attemptsSpent(this.policy, tries);
    const changes = {
      [lastError]: reason.slice(0, 500),
      [dueAt]: parked
        ? now
        : new Date(now.getTime() + retryDelayMs(this.policy, tries, this.random)),
      ...(leasedUntil === undefined ? {} : { [leasedUntil]: null }),
      ...(parked ? this.table.park(now) : {}),
    } as Partial<T>;
    if (!(await this.whileHeld(item, changes))) return 'lost';
    return parked ? 'parked' : 'retrying';
  }

  /** Up to `limit` parked items, longest parked first, and how many are parked in all. */
  async parked(limit: number): Promise<{ total: number; items: ParkedItem[] }> {
    const { entity, key, dueAt, attempts, lastError, parked } = this.table;
    const rows = this.dataSource.getRepository(entity);
    const total = await rows.countBy(parked);
    if (total === 0 || limit <= 0) return { total, items: [] };
    const found = await rows.find({
      select: pick(key, dueAt, attempts, lastError),
      where: parked,
      order: { [dueAt]: 'ASC', [key]: 'ASC' } as never,
      take: limit,
    });
    return {
      total,
      items: found.map((row) => ({
        key: String(row[key]),
        attempts: Number(row[attempts]),
        parkedAt: row[dueAt] as Date,
        lastError: (row[lastError] as string | null) ?? null,
      })),
    };
  }

  /**
   * Puts parked items back in the queue (those of `keys`, or every one): due
   * at `now`, with all their attempts ahead and no last error. An item that
   * is not parked (waiting, leased, done or unknown) is left as it is.
   * Returns the keys put back. In the caller's transaction when given one, so
   * its audit line commits with it.
   */
  async retryParked(
    keys: readonly string[] | 'all',
    now: Date,
    manager?: EntityManager,
  ): Promise<string[]> {
    if (manager === undefined) {
      return inTransaction(this.dataSource, (own) => this.retryParked(keys, now, own));
    }
    const { entity, key, dueAt, leasedUntil, attempts, lastError, parked, unpark } = this.table;
    const rows = manager.getRepository(entity);
    const candidates: FindOptionsWhere<T>[] =
      keys === 'all'
        ? [parked]
        : chunks([...new Set(keys)], 500).map(
            (some) => ({ ...parked, [key]: In(some) }) as FindOptionsWhere<T>,
          );
    const found: string[] = [];
    for (const where of candidates) {
      const locked = await rows.find({
        select: pick(key),
        where,
        order: { [key]: 'ASC' } as never,
        ...(manager.connection.options.type === 'mysql'
          ? { lock: { mode: 'pessimistic_write' as const } }
          : {}),
      });
      found.push(...locked.map((row) => String(row[key])));
    }
    const changes = {
      ...unpark,
      [dueAt]: now,
      [attempts]: 0,
      [lastError]: null,
      ...(leasedUntil === undefined ? {} : { [leasedUntil]: null }),
    } as Partial<T>;
    for (const some of chunks(found, 500)) {
      await rows.update({ ...parked, [key]: In(some) } as FindOptionsWhere<T>, changes as never);
    }
    return found;
  }

  /** Depth, the oldest waiting item's age and the parked count, for metrics and /health/ready. */
  async reading(now: Date): Promise<QueueReading> {
    const { entity, dueAt, waiting, parked } = this.table;
    const recordedAt = this.table.recordedAt ?? dueAt;
    const rows = this.dataSource.getRepository(entity);
    const depth = await rows.countBy(waiting);
    const failed = await rows.countBy(parked);
    if (depth === 0) return { depth, oldestAgeSeconds: 0, failed };
    const oldest = await rows.findOne({
      select: pick(recordedAt),
      where: { ...waiting, [recordedAt]: Not(IsNull()) } as FindOptionsWhere<T>,
      order: { [recordedAt]: 'ASC' } as never,
    });
    const since = (oldest?.[recordedAt] as Date | undefined) ?? null;
    return {
      depth,
      oldestAgeSeconds: since === null ? 0 : Math.max(0, (now.getTime() - since.getTime()) / 1000),
      failed,
    };
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
}

/** A find's `select` of these properties. */
function pick(...properties: string[]): never {
  return Object.fromEntries(properties.map((property) => [property, true])) as never;
}

function chunks<V>(values: readonly V[], size: number): V[][] {
  const out: V[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}
