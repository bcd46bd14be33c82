import { createConnection } from 'mysql2/promise';
import { testMysqlUrl } from './databases';

/**
 * Decides once whether the MariaDB tier runs. Locally a missing server skips
 * it; in CI (CI=true) a missing server fails the whole run, loudly.
 */
export default async function globalSetup(): Promise<void> {
  const url = testMysqlUrl();
  try {
    const connection = await createConnection({ uri: url, connectTimeout: 3000 });
    await connection.query('SELECT 1');
    await connection.end();
    process.env.VIGIL_TEST_MYSQL = 'available';
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') {
      throw new Error(
        `CI=true but MariaDB at ${url} does not answer (${reason}). The MySQL tier must run in CI.`,
      );
    }
    process.env.VIGIL_TEST_MYSQL = 'unavailable';
    process.stderr.write(
      `\nMariaDB at ${url} does not answer (${reason}): skipping the MySQL tier.\n`,
    );
  }
}
