import type { OnModuleDestroy } from '@nestjs/common';
import { Environment } from '../config/environment';
import {
  OpenEmrConnection,
  openEmrEngineOf,
  type OpenEmrConnectOptions,
  type OpenEmrEngine,
  type OpenEmrSql,
} from '../database/openemr-connection';
import { grantMissingFrom } from './openemr-grants';

export {
  openEmrEngineOf,
  type OpenEmrConnectOptions,
  type OpenEmrEngine,
  type OpenEmrSql,
  type SqlValue,
} from '../database/openemr-connection';

/**
 * The connection to OpenEMR's database. It opens on first use, so Vigil starts
 * while OpenEMR is down (deliveries wait in the outbox), and a failed attempt
 * is retried on the next use.
 */
export class OpenEmrDatabase implements OnModuleDestroy {
  private readonly connection?: OpenEmrConnection;

  constructor(
    private readonly url: string | undefined,
    options: OpenEmrConnectOptions = {},
  ) {
    if (url !== undefined) this.connection = new OpenEmrConnection(url, options);
  }

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
    return this.withConnection(false, work);
  }

  /** One unit of work in a transaction: all of its rows are written, or none. */
  async transaction<T>(work: (sql: OpenEmrSql) => Promise<T>): Promise<T> {
    return this.withConnection(true, work);
  }

  async close(): Promise<void> {
    await this.connection?.close();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private async withConnection<T>(
    transactional: boolean,
    work: (sql: OpenEmrSql) => Promise<T>,
  ): Promise<T> {
    if (this.connection === undefined) {
      throw new Error('OpenEMR database delivery is not configured (set OPENEMR_DATABASE_URL)');
    }
    try {
      return await this.connection.run(transactional, work);
    } catch (error) {
      // A refused privilege is named (a DBA's words), whatever statement met it.
      throw grantMissingFrom(error) ?? error;
    }
  }
}
