import { DataSource } from 'typeorm';
import type { Environment } from '../config/environment';
import { dataSourceOptions } from './data-source-options';
import { migrateDatabase } from './migrate';

/**
 * The database as composition roots outside Nest (the CLI, start-up) hold it:
 * they hand it to repositories' constructors and never query it themselves.
 */
export type Database = DataSource;

export function openDatabase(env: Environment): Promise<Database> {
  return new DataSource(dataSourceOptions(env)).initialize();
}

/**
 * For `vigil doctor`: the same database, but a MySQL server that does not
 * answer is given up on after 5 s rather than waited for.
 */
export function openDatabaseToDiagnose(env: Environment): Promise<Database> {
  return new DataSource({
    ...dataSourceOptions(env),
    extra: { connectTimeout: 5000 },
  }).initialize();
}

/** Applies pending migrations on a connection of its own, closed after; returns their names. */
export async function migrateOnce(env: Environment): Promise<string[]> {
  const database = await openDatabase(env);
  try {
    return await migrateDatabase(database);
  } finally {
    await database.destroy();
  }
}
