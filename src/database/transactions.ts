import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { withNamedLock } from './named-lock';

/**
 * An open transaction as services see it: they hand it to repositories, whose
 * methods take it last, and never look inside (so they need not import TypeORM).
 */
export type Transaction = EntityManager;

const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Runs `work` in a transaction. TypeORM shares one connection for the embedded
 * SQLite database, so two concurrent transactions would silently nest as
 * savepoints of one another; on SQLite they queue here instead (one process
 * owns the file). MySQL transactions run side by side on pooled connections.
 * Do not call it again from inside `work`: on SQLite that would wait forever.
 */
export function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (dataSource.options.type === 'mysql') return dataSource.transaction(work);
  const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
  const result = previous.then(() => dataSource.transaction(work));
  sqliteQueues.set(
    dataSource,
    result.catch(() => undefined),
  );
  return result;
}

/** InnoDB's deadlock victim and lock-wait timeout: the transaction rolled back and may simply run again. */
const RETRYABLE_MYSQL_ERRORS = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);

/**
 * inTransaction, run again (up to `attempts` times) when MySQL chose it as a
 * deadlock victim, as InnoDB's documentation advises. Only for work whose
 * every effect is in this database: nothing outside is repeated.
 */
export async function inRetriedTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(dataSource, work);
    } catch (error) {
      const code = (error as { code?: unknown; driverError?: { code?: unknown } }).driverError
        ?.code;
      if (attempt >= attempts || !RETRYABLE_MYSQL_ERRORS.has(String(code))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80 * attempt));
    }
  }
}

/**
 * Units of work for services: each runs in one transaction whose `Transaction`
 * the service passes to the repositories it writes through.
 */
@Injectable()
export class Transactions {
  constructor(private readonly dataSource: DataSource) {}

  /** See inTransaction: never call again from inside `work`. */
  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, work);
  }

  /** See inRetriedTransaction: only for work whose every effect is in this database. */
  runRetried<T>(work: (tx: Transaction) => Promise<T>, attempts?: number): Promise<T> {
    return inRetriedTransaction(this.dataSource, work, attempts);
  }

  /** See withNamedLock: null when another process held the lock for `waitSeconds`. */
  withLock<T>(name: string, waitSeconds: number, work: () => Promise<T>): Promise<T | null> {
    return withNamedLock(this.dataSource, name, waitSeconds, work);
  }
}
