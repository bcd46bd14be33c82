import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import globalTeardown from '../support/global-teardown';
import { findSecrets } from './secret-patterns';

/**
 * Secrets never in logs: scans every log line the whole run produced (every
 * project of the run, for `npm test` and `npm run test:security` alike) for
 * token-shaped strings and the suite's known secrets. Fails the run on any hit
 * and keeps the file to look at; a clean file is removed. That the capture
 * sees every logger is log-capture.spec.ts's job.
 */
export default async function teardown(): Promise<void> {
  await globalTeardown();
  const file = process.env.VIGIL_TEST_LOG_FILE;
  if (!file) throw new Error('VIGIL_TEST_LOG_FILE is not set: the log capture did not run');
  if (process.env.VIGIL_TEST_LOG_SCANNED === file) return; // both projects ran: scanned once
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const leaks = lines.flatMap((line, i) =>
    findSecrets(line).map((f) => `line ${i + 1}: ${f.kind} (${f.sample})`),
  );
  if (leaks.length > 0)
    throw new Error(`Secrets in the logs (${file}):\n${leaks.slice(0, 50).join('\n')}`);
  process.env.VIGIL_TEST_LOG_SCANNED = file;
  rmSync(dirname(file), { recursive: true, force: true });
  process.stdout.write(
    `\nLog scan: ${lines.length} log lines from the whole run, no secret found\n`,
  );
}
