import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { openCliContext } from '../../src/cli/context';
import { diagnose } from '../../src/cli/doctor';
import { checkRules } from '../../src/cli/rules';
import { loadEnvironment } from '../../src/config/environment';
import { KeyRing } from '../../src/crypto/key-ring';
import type { RuleDefinition } from '../../src/rules/rule-definition';
import { ROOT } from '../support/processes';
import { staffToken } from '../support/consent';

jest.setTimeout(120_000);

/** Api mode: OpenEMR's REST API has no dated reminders, and Vigil says so where rules are made. */
describe('rules asking for reminders in api mode', () => {
  let dir: string;
  let vars: Record<string, string>;
  let vigil: VigilApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-api-mode-'));
    vars = {
      ENCRYPTION_KEYS: KeyRing.generateEntry('test'),
      LOG_LEVEL: 'warn',
      DATA_DIR: dir,
      ROLE: 'api',
      OPENEMR_API_BASE_URL: 'https://emr.example.org/apis/default/api',
    };
    // Starting syncs the starter rules folder, two of whose rules ask for reminders.
    vigil = await startVigil(loadEnvironment(vars), { port: 0, logWriter: () => undefined });
  });

  afterAll(async () => {
    await vigil?.shutdown('test finished');
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates with a warning at the reminder channel, not an error', async () => {
    const token = await staffToken(vigil);
    const asking = {
      ...(JSON.parse(
        readFileSync(join(ROOT, 'rules', 'low-oxygen-saturation.json'), 'utf8'),
      ) as RuleDefinition),
      id: 'low-oxygen-saturation-night',
    };
    expect(asking.deliver.channels).toEqual(['message', 'reminder']);
    const res = await request(vigil.url!)
      .post('/api/v1/rules/validate')
      .auth(token, { type: 'bearer' })
      .send(asking)
      .expect(200);
    expect(res.body).toEqual({
      valid: true,
      errors: [],
      warnings: [
        {
          path: '$.deliver.channels[1]',
          message: expect.stringContaining("OpenEMR's API cannot create"),
        },
      ],
    });
    const plain = await request(vigil.url!)
      .post('/api/v1/rules/validate')
      .auth(token, { type: 'bearer' })
      .send({ ...asking, deliver: { ...asking.deliver, channels: ['message'] } })
      .expect(200);
    expect(plain.body).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('warns in rules:check without failing it', async () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => {
      lines.push(line);
    });
    const ctx = await openCliContext({ env: loadEnvironment(vars) });
    try {
      expect(await checkRules(ctx, false)).toBe(true);
    } finally {
      await ctx.close();
      log.mockRestore();
    }
    expect(lines.filter((l) => l.startsWith('WARN'))).toEqual([
      expect.stringMatching(/^WARN heart-failure-weight-gain\.json \$\.deliver\.channels\[1\]: /),
      expect.stringMatching(/^WARN low-oxygen-saturation\.json \$\.deliver\.channels\[1\]: /),
    ]);
  });

  it('has doctor name the enabled rules that get their message only', async () => {
    const findings = await diagnose(vars);
    expect(findings).toContainEqual({
      ok: true,
      what: expect.stringMatching(
        /reminders are not possible through OpenEMR's API: heart-failure-weight-gain, low-oxygen-saturation$/,
      ),
    });
  });
});
