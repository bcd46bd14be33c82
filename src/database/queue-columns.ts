import { Column, IsNull, Not, type EntityTarget, type FindOptionsWhere } from 'typeorm';
import { instant } from './columns';
import type { QueueTable } from './leased-queue';

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
