import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyRing } from '../../src/crypto/key-ring';
import { freePort, runEntryPoint } from '../support/processes';

describe('the service process', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-proc-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

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
  }, 30_000);

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
          checks.ready = (await fetch(`${base}/health/ready`)).status;
          checks.docs = (await fetch(`${base}/docs`)).status;
          const me = await fetch(`${base}/api/v1/whoami`, {
            headers: { authorization: `Bearer ${token}` },
          });
          checks.whoami = ((await me.json()) as { role: string }).role;
          child.kill('SIGTERM');
        })();
      },
    );
    expect(result.code).toBe(0);
    expect(checks).toEqual({ started: 1, ready: 200, docs: 200, whoami: 'admin' });
  }, 30_000);
});
