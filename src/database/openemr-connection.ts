import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import { MYSQL_STATEMENT_CACHE } from './mysql-statement-cache';

export type OpenEmrEngine = 'mysql' | 'sqlite';

/** A value bound to a `?` placeholder. Times are passed as OpenEMR wall-clock strings. */
export type SqlValue = string | number | null;

/** Raw, parameterised SQL against OpenEMR, inside one connection (and transaction, if any). */
export interface OpenEmrSql {
  readonly engine: OpenEmrEngine;
  select<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs an INSERT and returns the new row's auto-increment id. */
  insert(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs an UPDATE or DELETE and returns the number of rows it changed. */
  update(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface OpenEmrConnectOptions {
  /**
   * Sets the session's sql_mode on every unit of work. OpenEMR's own PHP opens
   * its connections with sql_mode=''; tests use this to run Vigil both ways.
   */
  sessionSqlMode?: string;
}

export function openEmrEngineOf(url: string): OpenEmrEngine {
  return url.startsWith('sqlite:') ? 'sqlite' : 'mysql';
}

/**
 * A data source of its own: OpenEMR's schema is not Vigil's, so no entities,
 * no migrations, and only raw SQL that reads the same on MySQL and SQLite
 * (`?` placeholders, times as parameters, never NOW()).
 */
export function openEmrDataSourceOptions(url: string): DataSourceOptions {
  const common = { entities: [], synchronize: false, logging: false as const };
  if (openEmrEngineOf(url) === 'sqlite') {
    return {
      ...common,
      type: 'better-sqlite3',
      database: url.slice('sqlite:'.length),
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('busy_timeout = 5000');
      },
    };
  }
  return {
    ...common,
    type: 'mysql',
    url,
    // OpenEMR stores local wall-clock times; Vigil passes them as strings, so no conversion.
    dateStrings: true,
    charset: 'utf8mb4_general_ci',
    supportBigNumbers: true,
    bigNumberStrings: false,
    extra: { connectionLimit: 5, connectTimeout: 5000, ...MYSQL_STATEMENT_CACHE },
  };
}

/**
 * A connection pool to OpenEMR's database, opened on first use (so Vigil starts
 * while OpenEMR is down) and again after a failed attempt. Each unit of work
 * gets one connection, and a transaction if asked.
 */
export class OpenEmrConnection {
  private opening?: Promise<DataSource>;

  constructor(
    private readonly url: string,
    private readonly options: OpenEmrConnectOptions = {},
  ) {}

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    const dataSource = await opening?.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy();
  }

  async run<T>(transactional: boolean, work: (sql: OpenEmrSql) => Promise<T>): Promise<T> {
    const dataSource = await this.dataSource();
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
      if (this.options.sessionSqlMode !== undefined && runner.connection.options.type === 'mysql') {
        await runner.query('SET SESSION sql_mode = ?', [this.options.sessionSqlMode]);
      }
      if (!transactional) return await work(sqlOn(runner));
      await runner.startTransaction();
      try {
        const result = await work(sqlOn(runner));
        await runner.commitTransaction();
        return result;
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      }
    } finally {
      await runner.release();
    }
  }

  private dataSource(): Promise<DataSource> {
    this.opening ??= new DataSource(openEmrDataSourceOptions(this.url))
      .initialize()
      .catch((error: unknown) => {
        this.opening = undefined;
        throw error;
      });
    return this.opening;
  }
}

function sqlOn(runner: QueryRunner): OpenEmrSql {
  const engine: OpenEmrEngine = runner.connection.options.type === 'mysql' ? 'mysql' : 'sqlite';
  return {
    engine,
    select: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await runner.query(sql, [...params])) as T[],
    insert: async (sql, params = []) => {
      const result = await runner.query(sql, [...params], true);
      const raw = result.raw as { insertId?: number } | number;
      return Number(typeof raw === 'object' ? raw.insertId : raw);
    },
    update: async (sql, params = []) => {
      const result = await runner.query(sql, [...params], true);
      const raw = result.raw as { affectedRows?: number } | undefined;
      return Number(result.affected ?? raw?.affectedRows ?? 0);
    },
  };
}
