import type { OnModuleDestroy } from '@nestjs/common';
import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import { Environment } from '../config/environment';
import { grantMissingFrom } from './openemr-grants';

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
    extra: { connectionLimit: 5, connectTimeout: 5000 },
  };
}

/**
 * The connection to OpenEMR's database. It opens on first use, so Vigil starts
 * while OpenEMR is down (deliveries wait in the outbox), and a failed attempt
 * is retried on the next use.
 */
export class OpenEmrDatabase implements OnModuleDestroy {
  private opening?: Promise<DataSource>;

  constructor(
    private readonly url: string | undefined,
    private readonly options: OpenEmrConnectOptions = {},
  ) {}

  static fromEnvironment(env: Environment): OpenEmrDatabase {
    return new OpenEmrDatabase(env.OPENEMR_DATABASE_URL);
  }

  get isConfigured(): boolean {
    return this.url !== undefined;
  }

  get engine(): OpenEmrEngine | null {
    return this.url === undefined ? null : openEmrEngineOf(this.url);
  }

  /** One unit of work on one connection, without a transaction. */
  async run<T>(work: (sql: OpenEmrSql) => Promise<T>): Promise<T> {
    return this.withRunner(false, work);
  }

  /** One unit of work in a transaction: all of its rows are written, or none. */
  async transaction<T>(work: (sql: OpenEmrSql) => Promise<T>): Promise<T> {
    return this.withRunner(true, work);
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    const dataSource = await opening?.catch(() => undefined);
    if (dataSource?.isInitialized) await dataSource.destroy();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private async dataSource(): Promise<DataSource> {
    if (this.url === undefined) {
      throw new Error('OpenEMR database delivery is not configured (set OPENEMR_DATABASE_URL)');
    }
    const url = this.url;
    this.opening ??= new DataSource(openEmrDataSourceOptions(url))
      .initialize()
      .catch((error: unknown) => {
        this.opening = undefined;
        throw error;
      });
    return this.opening;
  }

  private async withRunner<T>(
    transactional: boolean,
    work: (sql: OpenEmrSql) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.inRunner(transactional, work);
    } catch (error) {
      // A refused privilege is named (a DBA's words), whatever statement met it.
      throw grantMissingFrom(error) ?? error;
    }
  }

  private async inRunner<T>(
    transactional: boolean,
    work: (sql: OpenEmrSql) => Promise<T>,
  ): Promise<T> {
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
