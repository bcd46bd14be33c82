import {
  Column,
  IsNull,
  Not,
  type EntityManager,
  type EntityTarget,
  type FindOptionsWhere,
} from 'typeorm';
import { instant } from './columns';
import { RawColumns } from './raw-columns';
import type { QueueTable } from './leased-queue';

/** Items recorded in one statement. */
const RECORD_CHUNK = 500;

/**
 * The columns that make a table a leased queue (leased-queue.ts), declared
 * once: an entity extends this class and gets them, with these names and
 * types, beside its own. The outbox keeps its own columns (`next_attempt_at`,
 * `claimed_until`, `status`) and describes them in its QueueTable.
 */
export abstract class QueueColumns {
  /** When a process may next take the item: past a claim's lease, after a failure's backoff. */
  @Column(instant({ name: 'due_at' }))
  dueAt!: Date;

  /** Times a process took it. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  /** Why the last attempt failed, in words. */
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  /** When it was parked after its last attempt: no process takes it again (see /health/ready). */
  @Column(instant({ name: 'failed_at', nullable: true }))
  failedAt!: Date | null;
}

/**
 * The queue over a table with QueueColumns: due at `due_at`, leased through
 * it, waiting until `failed_at` parks it; a retry clears `failed_at`.
 */
export function queueTable<T extends QueueColumns>(table: {
  name: string;
  entity: EntityTarget<T>;
  key: keyof T & string;
  order: (keyof T & string)[];
  /** When an item was recorded, for the age of the oldest (the due time when absent). */
  recordedAt?: keyof T & string;
}): QueueTable<T> {
  return {
    ...table,
    dueAt: 'dueAt',
    attempts: 'attempts',
    lastError: 'lastError',
    waiting: { failedAt: IsNull() } as FindOptionsWhere<T>,
    park: (now) => ({ failedAt: now }) as Partial<T>,
    parked: { failedAt: Not(IsNull()) } as FindOptionsWhere<T>,
    unpark: { failedAt: null } as Partial<T>,
  };
}

/** What recordDue writes: when, when the items are due, and words to add to a text column. */
export interface DueRecord<T> {
  recordedAt: Date;
  dueAt: Date;
  /** A text column that gathers words (space-separated) over the records. */
  append?: { column: keyof T & string; words: string };
}

/**
 * Records items (by key) as due, with no read first: a new item is inserted
 * with no attempts; an item already waiting takes the new recorded time and
 * keeps the later due time, so a claim's lease or a failure's backoff that
 * ends later still holds. Attempts stay, and a parked item stays parked.
 * Keys in order, so two writers of the same keys take their rows in one
 * order.
 */
export async function recordDue<T extends QueueColumns>(
  tx: EntityManager,
  queue: QueueTable<T>,
  keys: readonly number[],
  record: DueRecord<T>,
): Promise<void> {
  const sorted = [...new Set(keys)].sort((a, b) => a - b);
  if (sorted.length === 0) return;
  if (queue.recordedAt === undefined) throw new Error(`${queue.name} keeps no recorded time`);
  const columns = new RawColumns(tx.connection, queue.entity, [
    queue.key,
    ...(record.append === undefined ? [] : [record.append.column]),
    queue.recordedAt,
    queue.dueAt,
    queue.attempts,
  ]);
  const [key, rec, due] = [queue.key, queue.recordedAt, queue.dueAt].map((p) => columns.name(p));
  const append = record.append && columns.name(record.append.column);

  // The engines say the same merge in their own words.
  const mysql = tx.connection.options.type === 'mysql';
  const fresh = (name: string) => (mysql ? `VALUES(${name})` : `excluded.${name}`);
  const merged = [
    ...(append === undefined
      ? []
      : [
          mysql
            ? `${append} = CONCAT(${append}, ' ', ${fresh(append)})`
            : `${append} = ${append} || ' ' || ${fresh(append)}`,
        ]),
    `${rec} = ${fresh(rec)}`,
    `${due} = ${mysql ? 'GREATEST' : 'max'}(${due}, ${fresh(due)})`,
  ].join(', ');
  const merge = mysql
    ? `ON DUPLICATE KEY UPDATE ${merged}`
    : `ON CONFLICT (${key}) DO UPDATE SET ${merged}`;

  const values = [
    ...(record.append === undefined
      ? []
      : [columns.value(record.append.column, record.append.words)]),
    columns.value(queue.recordedAt, record.recordedAt),
    columns.value(queue.dueAt, record.dueAt),
    columns.value(queue.attempts, 0),
  ];
  const tuple = `(${columns.names.map(() => '?').join(', ')})`;
  for (let i = 0; i < sorted.length; i += RECORD_CHUNK) {
    const chunk = sorted.slice(i, i + RECORD_CHUNK);
    await tx.query(
      `INSERT INTO ${columns.table} (${columns.names.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')} ${merge}`,
      chunk.flatMap((k) => [columns.value(queue.key, k), ...values]),
    );
  }
}
