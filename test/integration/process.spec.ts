import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyRing } from '../../src/crypto/key-ring';
import { freePort, killEntryPoints, runEntryPoint } from '../support/processes';

/**
 * Each test waits for what the process prints, never for a fixed time; the
 * limits only stop a hung process. They are generous: each start compiles
 * Vigil with ts-node, which is many times slower on a loaded 2-core machine.
 */
jest.setTimeout(180_000);

describe('the service process', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-proc-'))));
  afterEach(() => {
    killEntryPoints();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start on bad configuration and names every bad variable', async () => {
    const result = await runEntryPoint('src/main.ts', { PORT: 'abc', ENCRYPTION_KEYS: '' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('PORT: PORT must be a whole number between 1 and 65535');
    expect(result.stderr).toContain('ENCRYPTION_KEYS: ENCRYPTION_KEYS is missing or malformed');
    expect(result.stdout).not.toContain('Vigil is running');
  });

  it('stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const result = await runEntryPoint(
      'src/main.ts',
      { PORT: String(port), DATA_DIR: dir, ENCRYPTION_KEYS: KeyRing.generateEntry('p') },
      (text, child) => {
        if (text.includes('Vigil is running') && !child.killed) child.kill('SIGTERM');
      },
    );
    expect(result.code).toBe(0);
    const messages = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).msg);
    expect(messages).toEqual(expect.arrayContaining(['Shutting down (SIGTERM)']));
  });

  it('starts as a worker without HTTP, on a fresh database', async () => {
    const result = await runEntryPoint(
      'src/main.ts',
      { ROLE: 'worker', DATA_DIR: dir, ENCRYPTION_KEYS: KeyRing.generateEntry('w') },
      (text, child) => {
        if (text.includes('Vigil is running') && !child.killed) child.kill('SIGTERM');
      },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Vigil is running (role worker)');
    expect(result.stdout).not.toContain('Nest application successfully started');
  });

  it('runs the demo from nothing: generated keys, a printed admin token, ready and documented', async () => {
    const port = await freePort();
    const checks: Record<string, number | string> = {};
    const result = await runEntryPoint(
      'src/demo.ts',
      { PORT: String(port), DATA_DIR: dir },
      (text, child) => {
        if (!text.includes('Press Ctrl+C') || checks.started) return;
        checks.started = 1;
        const token = /Admin token\s+(vgl_\S+)/.exec(text)?.[1] ?? '';
        const base = `http://127.0.0.1:${port}`;
        void (async () => {
          try {
            checks.ready = (await fetch(`${base}/health/ready`)).status;
            checks.docs = (await fetch(`${base}/docs`)).status;
            const me = await fetch(`${base}/api/v1/whoami`, {
              headers: { authorization: `Bearer ${token}` },
            });
            checks.whoami = ((await me.json()) as { role: string }).role;
            checks.consent = await completeDemoInvitation(text, port, token);
          } catch (error) {
            // Named in the comparison below, not a process left running until the timeout.
            checks.failed = String(error);
          } finally {
            child.kill('SIGTERM');
          }
        })();
      },
    );
    expect(result.code).toBe(0);
    expect(checks).toEqual({
      started: 1,
      ready: 200,
      docs: 200,
      whoami: 'admin',
      consent: 'active',
    });
    // The whole pipeline ran: days were backfilled, rules evaluated, and OpenEMR's
    // own inbox query finds the scripted alerts for the patients' providers.
    expect(result.stdout).toMatch(/Daily aggregates, \d{4}-\d{2}-\d{2} to/);
    expect(result.stdout).toMatch(
      /pid 6 \(low oxygen saturation\)\n\s+true: [^\n]*low-oxygen-saturation/,
    );
    expect(result.stdout).toMatch(/== drjones: [1-9]\d* message\(s\)/);
    expect(result.stdout).toMatch(/Heart-failure weight gain \(urgent, new\)/);
    expect(result.stdout).toContain('(vigil to nurseward)');
    // The demo starts, backfills a cohort, evaluates, delivers and prints.
  }, 600_000);
});

/**
 * What a patient does with the printed invitation: the consent form, the
 * simulator's Google page (answered as sim-1), the callback. Returns the
 * enrollment's status afterwards.
 */
async function completeDemoInvitation(text: string, port: number, token: string): Promise<string> {
  const invitation = new URL(/Patient invite\s+(\S+)/.exec(text)?.[1] ?? '');
  const local = (url: URL): string => `http://127.0.0.1:${port}${url.pathname}${url.search}`;
  if ((await fetch(local(invitation))).status !== 200) return 'consent page failed';
  const post = await fetch(local(invitation), { method: 'POST', redirect: 'manual' });
  const cookie = (post.headers.get('set-cookie') ?? '').split(';')[0];
  const authorize = new URL(post.headers.get('location') ?? '');
  authorize.searchParams.set('sim_auto', '1');
  authorize.searchParams.set('sim_user', 'sim-1');
  const back = await fetch(authorize, { redirect: 'manual' });
  const callback = await fetch(local(new URL(back.headers.get('location') ?? '')), {
    headers: { cookie },
  });
  if (callback.status !== 200) return `callback answered ${callback.status}`;
  const patient = await fetch(`http://127.0.0.1:${port}/api/v1/patients/1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return ((await patient.json()) as { status: string }).status;
}
