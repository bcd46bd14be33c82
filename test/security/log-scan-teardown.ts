import { readFileSync } from 'node:fs';
import { findSecrets } from './secret-patterns';

/**
 * Secrets never in logs: scans every log line the whole run produced (all
 * projects that ran alongside the security project) for token-shaped strings
 * and the suite's known secrets. Fails the run on any hit. That the capture
 * sees every logger is log-capture.spec.ts's job.
 */
export default function teardown(): void {
  const file = process.env.VIGIL_TEST_LOG_FILE;
  if (!file) throw new Error('VIGIL_TEST_LOG_FILE is not set: the log capture did not run');
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const leaks = lines.flatMap((line, i) =>
    findSecrets(line).map((f) => `line ${i + 1}: ${f.kind} (${f.sample})`),
  );
  if (leaks.length > 0)
    throw new Error(`Secrets in the logs (${file}):\n${leaks.slice(0, 50).join('\n')}`);
  process.stdout.write(
    `\nLog scan: ${lines.length} log lines from the whole run, no secret found\n`,
  );
}
