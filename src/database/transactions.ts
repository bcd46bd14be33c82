import type { DataSource, EntityManager } from 'typeorm';

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
