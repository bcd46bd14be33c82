import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { withNamedLock } from './named-lock';

const LOCK_NAME = 'vigil_migrations';
const LOCK_WAIT_SECONDS = 120;

/**
 * Applies pending migrations. On MySQL several processes may start at once, so
 * they queue on a named lock and the later ones find nothing left to do. The
 * embedded SQLite database belongs to one process; its busy timeout covers a CLI
 * command that runs beside it.
 */
export async function migrateDatabase(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type !== 'mysql') {
    return (await dataSource.runMigrations({ transaction: 'all' })).map((m) => m.name);
  }
  const applied = await withNamedLock(dataSource, LOCK_NAME, LOCK_WAIT_SECONDS, async () =>
    (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name),
  );
  if (applied === null)
    throw new Error(`Another process held the migration lock for more than ${LOCK_WAIT_SECONDS} s`);
  return applied;
}

/**
 * A first start against an empty MySQL server creates Vigil's schema (database)
 * when the configured user may, so `DATABASE_URL=mysql://.../vigil npm start`
 * works on a fresh server. An existing database is left as it is.
 */
export async function ensureMysqlDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_$-]+$/.test(name)) throw new Error('DATABASE_URL names no valid database');
  target.pathname = '/';
  const connection = await createConnection({ uri: target.toString(), connectTimeout: 10_000 });
  try {
    const [rows] = await connection.query(
      'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [name],
    );
    if ((rows as unknown[]).length > 0) return false;
    await connection.query(
      `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    return true;
  } finally {
    await connection.end();
  }
}
