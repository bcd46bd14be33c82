import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { activeEnrollment } from '../support/monitored-patients';
import { ApiTokens } from '../../src/auth/api-tokens';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { NEW_RULE_TEMPLATE } from '../../src/web/rule-editor/rule-editor.view';
import { freshDatabase, TestDatabase } from '../support/databases';

const STARTER = join(__dirname, '../../rules');
const restingHr = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(STARTER, 'resting-hr-rise.json'), 'utf8')) as Record<
    string,
    unknown
  >;

describe('rule pages', () => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let staff: string;
  let clinician: string;
  const page = (path: string, token: string) =>
    request(vigil.url ?? '')
      .get(path)
      .auth(token, { type: 'bearer' });

  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    const tokens = vigil.app.get(ApiTokens);
    staff = (await tokens.issue('staff', 'front desk', 'test')).token;
    clinician = (await tokens.issue('clinician', 'dr.rivera', 'test')).token;
  });
  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  it('lists the rules with version, where they run and their program settings', async () => {
    await request(vigil.url ?? '')
      .put('/api/v1/rules/sleep-deficit/programs/heart-failure')
      .auth(clinician, { type: 'bearer' })
      .send({ enabled: false, params: { minutes: 400 } })
      .expect(200);
    const res = await page('/rules', staff).expect(200).expect('Content-Type', /html/);
    expect(res.text).toContain(
      '<a href="/rules/resting-hr-rise">Sustained resting heart rate rise</a>',
    );
    expect(res.text).toMatch(/every program; <strong>heart-failure<\/strong>: off/);
    expect(res.text).toMatch(/heart-failure:\s+off\s+\{&#34;minutes&#34;:400\}/);
    expect(res.text).not.toContain('href="/rules/new"');
    await expect(page('/rules', clinician).then((r) => r.text)).resolves.toContain(
      'href="/rules/new"',
    );
  });

  it('shows staff the rule and its history read-only, and refuses their changes', async () => {
    const res = await page('/rules/resting-hr-rise', staff).expect(200);
    expect(res.text).toMatch(/<textarea[^>]*readonly[^>]*>\s*\{/);
    expect(res.text).toContain('&#34;deltaBpm&#34;: 4');
    expect(res.text).not.toContain('id="rule-save"');
    expect(res.text).not.toContain('id="backtest-form"');
    expect(res.text).not.toContain('/assets/rule-editor.js');
    // Readers get the settings in words: label, value with its unit, range, help.
    expect(res.text).toMatch(
      /Rise above baseline <span class="muted">\(deltaBpm\)<\/span>\s*<\/th>\s*<td>4 bpm<\/td>\s*<td>1 to 20 bpm<\/td>/,
    );
    expect(res.text).not.toContain('This rule belongs to the rules folder');
    expect(res.text).toContain('Version 1');
    expect(res.text).toContain('First version.');
    await page('/rules/new', staff).expect(403);
    await request(vigil.url ?? '')
      .put('/api/v1/rules/resting-hr-rise')
      .auth(staff, { type: 'bearer' })
      .send(restingHr())
      .expect(403);
  });

  it('gives clinicians the editor, backtest and overrides, with the message area tied to the JSON', async () => {
    const res = await page('/rules/resting-hr-rise', clinician).expect(200);
    expect(res.text).toMatch(
      /<textarea\s+id="rule-json"[^>]*aria-describedby="rule-help rule-messages"/,
    );
    expect(res.text).not.toMatch(/<textarea[^>]*readonly/);
    expect(res.text).toContain('<div id="rule-messages" role="status" aria-live="polite"></div>');
    expect(res.text).toContain('id="rule-save"');
    expect(res.text).toContain('id="backtest-form"');
    expect(res.text).toContain('name="param:deltaBpm"');
    expect(res.text).toContain('src="/assets/rule-editor.js"');
    expect(res.text).toContain('<meta name="csrf-token"');
  });

  it('shows each saved version with what changed, path by path', async () => {
    const changed = { ...restingHr(), params: { ...(restingHr().params as object), deltaBpm: 5 } };
    await request(vigil.url ?? '')
      .put('/api/v1/rules/resting-hr-rise')
      .auth(clinician, { type: 'bearer' })
      .send(changed)
      .expect(200);
    const res = await page('/rules/resting-hr-rise', staff).expect(200);
    expect(res.text).toMatch(/Version 2 · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC · by token:\d+/);
    expect(res.text).toMatch(
      /<td>\$\.params\.deltaBpm<\/td>\s*<td class="before">4<\/td>\s*<td class="after">5<\/td>/,
    );
  });

  it('starts a new rule from a template the API accepts, and can backtest it unsaved', async () => {
    const res = await page('/rules/new', clinician).expect(200);
    expect(res.text).toContain('data-new="true"');
    expect(res.text).toContain('&#34;id&#34;: &#34;new-rule&#34;');
    const check = await request(vigil.url ?? '')
      .post('/api/v1/rules/validate')
      .auth(clinician, { type: 'bearer' })
      .send(NEW_RULE_TEMPLATE)
      .expect(200);
    expect(check.body).toEqual({ valid: true, errors: [], warnings: [] });
    await activeEnrollment(vigil, 5);
    const backtest = await request(vigil.url ?? '')
      .post('/api/v1/rules/new-rule/backtest')
      .auth(clinician, { type: 'bearer' })
      .send({ from: '2026-01-01', to: '2026-01-31', pid: 5, rule: NEW_RULE_TEMPLATE })
      .expect(200);
    expect(backtest.body.rule).toEqual({ id: 'new-rule', version: null, draft: true });
  });

  it('answers an unknown rule with 404, and text that cannot be a rule id with 400', async () => {
    await page('/rules/no-such-rule', staff).expect(404);
    await page('/rules/Not_A_Slug', staff).expect(400);
  });
});
