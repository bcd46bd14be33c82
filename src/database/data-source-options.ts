import { resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { Environment } from '../config/environment';
import { ENTITIES } from './entities';
import { MYSQL_STATEMENT_CACHE } from './mysql-statement-cache';
import { privateDataDir } from './private-files';
import { MYSQL_MIGRATIONS } from '../../migrations/mysql';
import { SQLITE_MIGRATIONS } from '../../migrations/sqlite';

export type DatabaseEngine = 'sqlite' | 'mysql';

export function engineOf(env: Pick<Environment, 'DATABASE_URL'>): DatabaseEngine {
  return env.DATABASE_URL ? 'mysql' : 'sqlite';
}

/** Where the embedded database lives when DATABASE_URL is unset. */
export function sqlitePath(env: Pick<Environment, 'DATA_DIR'>): string {
  return resolve(env.DATA_DIR, 'vigil.sqlite');
}

/**
 * The one data-source definition used by Nest, the CLI and the TypeORM CLI.
 * `synchronize` is never on: the schema only changes through migrations.
 */
export function dataSourceOptions(
  env: Pick<Environment, 'DATABASE_URL' | 'DATA_DIR'>,
): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'vigil_migrations',
    logging: false,
  } as const;
  if (engineOf(env) === 'mysql') {
    return {
      ...common,
      type: 'mysql',
      url: env.DATABASE_URL,
      migrations: MYSQL_MIGRATIONS,
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
      supportBigNumbers: true,
      bigNumberStrings: false,
      // Local civil dates stay strings: a Date would shift by the server's zone.
      dateStrings: ['DATE'],
      // mysql2 captures a stack trace for every query to decorate its errors
      // (~0.1 ms each, a few per cent of a worker's CPU per sync); TypeORM's
      // QueryFailedError still says which query failed and why.
      trace: false,
      extra: { connectionLimit: 10, ...MYSQL_STATEMENT_CACHE },
    };
  }
  const file = sqlitePath(env);
  privateDataDir(resolve(file, '..'));
  return {
    ...common,
    type: 'better-sqlite3',
    database: file,
    migrations: SQLITE_MIGRATIONS,
    // WAL lets readers continue while a sync writes; the busy timeout lets a CLI
    // command and the service share the file without "database is locked".
    enableWAL: true,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
  };
}
