import type { DataSource } from 'typeorm';

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
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    const [row] = (await runner.query('SELECT GET_LOCK(?, ?) AS acquired', [
      LOCK_NAME,
      LOCK_WAIT_SECONDS,
    ])) as {
      acquired: number | string | null;
    }[];
    if (Number(row?.acquired) !== 1) {
      throw new Error(
        `Another process held the migration lock for more than ${LOCK_WAIT_SECONDS} s`,
      );
    }
    try {
      return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
    }
  } finally {
    await runner.release();
  }
}
