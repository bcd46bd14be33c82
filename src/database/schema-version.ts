import type { DataSource } from 'typeorm';
import { MYSQL_MIGRATIONS } from '../../migrations/mysql';
import { SQLITE_MIGRATIONS } from '../../migrations/sqlite';
import type { DatabaseEngine } from './data-source-options';

type MigrationClass = new () => { name?: string };

/** The migrations this code knows, in order, by the name TypeORM records. */
export function knownMigrations(engine: DatabaseEngine): string[] {
  const list: MigrationClass[] = engine === 'mysql' ? MYSQL_MIGRATIONS : SQLITE_MIGRATIONS;
  return list.map((migration) => new migration().name ?? migration.name);
}

/** The migrations recorded in the database, oldest first ([] on a database never migrated). */
export async function appliedMigrations(dataSource: DataSource): Promise<string[]> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const runner = dataSource.createQueryRunner();
  try {
    if (!(await runner.hasTable(table))) return [];
  } finally {
    await runner.release();
  }
  const rows: { name: string }[] = await dataSource.query(
    `SELECT name FROM ${table} ORDER BY timestamp, id`,
  );
  return rows.map((row) => row.name);
}

export interface SchemaComparison {
  /** Known to this code, not yet applied. */
  pending: string[];
  /** Applied by some other (newer) Vigil, unknown to this code. */
  unknown: string[];
}

/** How the database's schema stands against this code's migrations. */
export function compareSchema(
  known: readonly string[],
  applied: readonly string[],
): SchemaComparison {
  return {
    pending: known.filter((name) => !applied.includes(name)),
    unknown: applied.filter((name) => !known.includes(name)),
  };
}
