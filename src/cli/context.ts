import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail';
import { ApiTokens } from '../auth/api-tokens';
import { Environment, loadEnvironment } from '../config/environment';
import { SecretStore } from '../crypto/secret-store';
import { dataSourceOptions } from '../database/data-source-options';
import { migrateDatabase } from '../database/migrate';

/**
 * What CLI commands work with: the same data source and services as the
 * service, built without Nest so a command starts fast and starts no workers.
 */
export interface CliContext {
  env: Environment;
  dataSource: DataSource;
  audit: AuditTrail;
  tokens: ApiTokens;
  secrets: SecretStore;
  close(): Promise<void>;
}

export async function openCliContext(
  options: { migrate?: boolean; env?: Environment } = {},
): Promise<CliContext> {
  const env = options.env ?? loadEnvironment();
  const dataSource = await new DataSource(dataSourceOptions(env)).initialize();
  if (options.migrate !== false) await migrateDatabase(dataSource);
  const audit = new AuditTrail(dataSource);
  return {
    env,
    dataSource,
    audit,
    tokens: new ApiTokens(dataSource, audit),
    secrets: new SecretStore(dataSource, env),
    close: () => dataSource.destroy(),
  };
}
