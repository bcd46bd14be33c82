import { createConnection } from 'mysql2/promise';
import { testMysqlUrl } from './databases';
import { newRunId, openEmrSchemaFile } from './openemr-schema';

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
    // Names the run's OpenEMR schema template (openemr-schema.ts), loaded once on first use and
    // dropped at the end; one named from outside (VIGIL_TEST_RUN_ID) is kept for the next run.
    if (!process.env.VIGIL_TEST_RUN_ID) {
      process.env.VIGIL_TEST_RUN_ID = newRunId();
      process.env.VIGIL_TEST_RUN_ID_OWNED = '1';
    }
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
  // OpenEMR's own schema is part of the MariaDB tier: in CI its absence fails here.
  if (process.env.VIGIL_TEST_MYSQL === 'available') openEmrSchemaFile();
}
