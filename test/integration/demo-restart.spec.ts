import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { diagnose } from '../../src/cli/doctor';
import { freePort, runEntryPoint } from '../support/processes';

/**
 * `npm run demo` stopped in the middle of its backfill and started again over
 * the same folder: the second run starts fresh (and says so) instead of
 * finding its consents refused by a simulator that forgot them, or waiting on
 * the first run's sync leases; it comes up ready, and the demo.env it writes
 * lets the CLI's doctor check the running demo.
 */
describe('the demo after a stop mid-backfill', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-demo-restart-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts again from the same folder, fresh, ready, and checkable with its demo.env', async () => {
    const first = await runEntryPoint(
      'src/demo.ts',
      { PORT: String(await freePort()), DATA_DIR: dir },
      (text, child) => {
        if (text.includes('Backfilling the scripted cohort') && !child.killed)
          child.kill('SIGTERM');
      },
    );
    expect(first.stdout).toContain('Backfilling the scripted cohort');
    expect(first.stdout).not.toContain('Press Ctrl+C');

    const port = await freePort();
    const checks: Record<string, unknown> = {};
    const second = await runEntryPoint(
      'src/demo.ts',
      { PORT: String(port), DATA_DIR: dir },
      (text, child) => {
        if (!text.includes('Press Ctrl+C') || checks.started) return;
        checks.started = true;
        void (async () => {
          checks.ready = (await fetch(`http://127.0.0.1:${port}/health/ready`)).status;
          const settings = parseEnv(readFileSync(join(dir, 'demo.env'), 'utf8'));
          checks.failedFindings = (await diagnose(settings))
            .filter((f) => !f.ok)
            .map((f) => f.what);
          child.kill('SIGTERM');
        })();
      },
    );
    expect(second.stdout).toContain('Starting fresh');
    expect(checks).toEqual({ started: true, ready: 200, failedFindings: [] });
    expect(second.stdout).not.toMatch(/refused|sync \w+ \(/);
    expect(second.stdout).toMatch(/== drjones: [1-9]\d* message\(s\)/);
    expect(statSync(join(dir, 'demo.env')).mode & 0o077).toBe(0);
    // Databases, WAL files, the JSON log, keys: the operator's user only.
    const open = readdirSync(dir).filter((name) => statSync(join(dir, name)).mode & 0o077);
    expect(open).toEqual([]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  }, 300_000);
});
