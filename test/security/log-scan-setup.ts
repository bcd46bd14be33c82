import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysqlTier from '../support/global-setup';

/**
 * Opens the run's log file: test/support/log-file.ts appends every log line of
 * every test file to it, and log-scan-teardown.ts scans it once all are done.
 */
export default async function setup(): Promise<void> {
  await mysqlTier();
  if (!process.env.VIGIL_TEST_LOG_FILE) {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-logs-')), 'all-tests.log');
    writeFileSync(file, '');
    process.env.VIGIL_TEST_LOG_FILE = file;
  }
}
