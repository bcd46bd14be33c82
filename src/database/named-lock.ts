import type { DataSource } from 'typeorm';

/**
 * MySQL's named locks are server-wide: the lock is named after the database
 * too, so two Vigil databases on one server (two clinics, a staging copy, the
 * tests) never wait on each other. Names stay within MySQL's 64 characters.
 */
const LOCK_NAME_SQL = "CONCAT(LEFT(DATABASE(), 40), '.', ?)";

/**
 * Runs `work` while holding a MySQL named lock, so several Vigil processes
 * sharing a database do it one at a time; null when the lock was not had within
 * `waitSeconds`. The embedded SQLite database belongs to one process: no lock.
 */
export async function withNamedLock<T>(
  dataSource: DataSource,
  name: string,
  waitSeconds: number,
  work: () => Promise<T>,
): Promise<T | null> {
  if (dataSource.options.type !== 'mysql') return work();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [row] = (await runner.query(`SELECT GET_LOCK(${LOCK_NAME_SQL}, ?) AS acquired`, [
      name,
      waitSeconds,
    ])) as {
      acquired: number | string | null;
    }[];
    if (Number(row?.acquired) !== 1) return null;
    try {
      return await work();
    } finally {
      await runner.query(`SELECT RELEASE_LOCK(${LOCK_NAME_SQL})`, [name]);
    }
  } finally {
    await runner.release();
  }
}
