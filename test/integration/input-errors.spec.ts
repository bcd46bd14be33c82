import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { KeyRing } from '../../src/crypto/key-ring';
import { Enrollments } from '../../src/patients/enrollments';
import { staffToken } from '../support/consent';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';
import { activeEnrollment } from '../support/monitored-patients';
import { ROOT } from '../support/processes';
import { hiddenCsrf, signedInStaff } from '../support/staff';

const run = promisify(execFile);
const PID_MESSAGE = 'pid must be a whole number from 1 to 9007199254740991';

describe.each(testEngines())('errors that say what and where, on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let staff: string;
  let clinician: string;
  let cookie: string;

  beforeAll(async () => {
    db = await freshDatabase(engine, { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    staff = await staffToken(vigil, 'staff');
    clinician = await staffToken(vigil, 'clinician');
    cookie = await signedInStaff(vigil, 'nurse.kim');
    await vigil.app.get(Enrollments).enroll({ pid: 2, program: 'heart-failure' }, 'test');
    await activeEnrollment(vigil, 3);
  }, 60_000);
  afterAll(async () => {
    await vigil?.shutdown('test finished');
    await db?.drop();
  });

  const get = (path: string) =>
    request(vigil.url!).get(path).auth(staff, { type: 'bearer' }).expect(400);
  const errorsOf = async (path: string) => (await get(path)).body.errors;
  const get404 = (path: string) =>
    request(vigil.url!).get(path).auth(staff, { type: 'bearer' }).expect(404);

  it('answers bad dates with 400 naming the field, never 500 or a silent []', async () => {
    await expect(
      errorsOf('/api/v1/patients/2/aggregates?from=2026-13-45&to=2026-12-01'),
    ).resolves.toEqual([
      {
        path: 'from',
        message: 'from must be a calendar date written YYYY-MM-DD, not "2026-13-45"',
      },
    ]);
    await expect(errorsOf('/api/v1/patients/2/outcomes?from=2026-13-01')).resolves.toEqual([
      {
        path: 'from',
        message: 'from must be a calendar date written YYYY-MM-DD, not "2026-13-01"',
      },
    ]);
    await expect(
      errorsOf('/api/v1/patients/2/outcomes?from=2026-03-02&to=2026-03-01'),
    ).resolves.toEqual([
      { path: 'to', message: 'to (2026-03-01) must not be before from (2026-03-02)' },
    ]);
    await expect(errorsOf('/api/v1/patients/2/outcomes?rule=Not_A_Rule')).resolves.toEqual([
      { path: 'rule', message: 'rule must be a rule id such as resting-hr-rise' },
    ]);
  });

  it('says a text or missing pid is not a pid (not "too large")', async () => {
    for (const path of [
      '/api/v1/patients/abc',
      '/api/v1/patients/abc/outcomes',
      '/api/v1/alerts?pid=abc',
      // Number() reads these as 1000, 16 and 2: another patient's URL, not a pid.
      '/api/v1/patients/1e3',
      '/api/v1/patients/0x10/outcomes',
      '/api/v1/alerts?pid=%202',
    ])
      await expect(errorsOf(path)).resolves.toEqual([{ path: 'pid', message: PID_MESSAGE }]);
    const missing = await request(vigil.url!)
      .post('/api/v1/patients')
      .auth(staff, { type: 'bearer' })
      .send({})
      .expect(400);
    expect(missing.body.errors).toEqual([
      { path: 'pid', message: 'pid is required: a whole number, 1 or more' },
    ]);
  });

  it('shows a browser an HTML error page naming the field, and a script the JSON problem', async () => {
    const html = (path: string, status: number) =>
      request(vigil.url!)
        .get(path)
        .set('Cookie', cookie)
        .set('Accept', 'text/html,application/xhtml+xml')
        .expect(status)
        .expect('Content-Type', /html/);
    const days = (await html('/patients/2?days=45', 400)).text;
    expect(days).toContain('role="alert"');
    expect(days).toContain('<code>days</code>: days must be one of 30, 90, 180');
    expect((await html('/patients/abc', 400)).text).toContain(`<code>pid</code>: ${PID_MESSAGE}`);
    expect((await html('/rules/nope', 404)).text).toMatch(/No rule with id nope/);
    expect((await html('/rules/nope', 404)).text).toContain(
      '<a href="/rules">Back to the rules</a>',
    );
    const script = await request(vigil.url!).get('/rules/nope').auth(staff, { type: 'bearer' });
    expect(script.status).toBe(404);
    expect(script.body).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('answers an id that cannot be one with 400 naming it, on the API and the pages alike', async () => {
    const ALERT_ID = 'id must be an alert id: a whole number such as 17';
    const RULE_ID =
      'id must be a rule id such as resting-hr-rise: lower-case letters and digits, words joined by single dashes, at most 64 characters';
    const api: [string, string, string, string][] = [
      ['get', '/api/v1/alerts/abc', 'id', ALERT_ID],
      ['get', '/api/v1/rules/Not_A_Rule', 'id', RULE_ID],
      [
        'get',
        '/api/v1/rules/resting-hr-rise/versions/abc',
        'version',
        'version must be a version number: 1 or more',
      ],
      [
        'get',
        '/api/v1/rules/resting-hr-rise/versions/0',
        'version',
        'version must be a version number: 1 or more',
      ],
      ['get', '/api/v1/rules/Not_A_Rule/quality', 'id', RULE_ID],
      ['get', '/api/v1/patients/abc/blind-rules', 'pid', PID_MESSAGE],
      ['post', '/api/v1/patients/abc/sync', 'pid', PID_MESSAGE],
    ];
    for (const [method, path, param, message] of api) {
      const agent = request(vigil.url!);
      const res = await (method === 'get' ? agent.get(path) : agent.post(path))
        .auth(clinician, { type: 'bearer' })
        .expect(400);
      expect({ path, errors: res.body.errors }).toEqual({
        path,
        errors: [{ path: param, message }],
      });
    }
    const program = await request(vigil.url!)
      .put('/api/v1/rules/resting-hr-rise/programs/%2Fheart')
      .auth(clinician, { type: 'bearer' })
      .send({ enabled: true })
      .expect(400);
    expect(program.body.errors).toEqual([
      {
        path: 'program',
        message:
          'program must be a program name: 1-64 letters, digits, spaces, dots, dashes or underscores',
      },
    ]);
    // Ids of the right shape that name nothing stay 404.
    await get404('/api/v1/alerts/999999');
    await get404('/api/v1/rules/resting-hr-rise/versions/999');

    const csrf = hiddenCsrf((await request(vigil.url!).get('/alerts').set('Cookie', cookie)).text);
    expect(csrf).not.toBe('');
    const page = (method: 'get' | 'post', path: string) =>
      (method === 'get' ? request(vigil.url!).get(path) : request(vigil.url!).post(path))
        .set('Cookie', cookie)
        .set('Accept', 'text/html')
        .type('form')
        .send(method === 'post' ? { _csrf: csrf } : {});
    for (const [method, path, problem] of [
      ['get', '/alerts/abc', `<code>id</code>: ${ALERT_ID}`],
      ['post', '/alerts/abc/acknowledge', `<code>id</code>: ${ALERT_ID}`],
      ['get', '/rules/Not_A_Rule', `<code>id</code>: ${RULE_ID}`],
      ['get', '/rules/Not_A_Rule/quality', `<code>id</code>: ${RULE_ID}`],
      ['get', '/patients/abc', `<code>pid</code>: ${PID_MESSAGE}`],
      ['post', '/enrollments/abc/pause', `<code>pid</code>: ${PID_MESSAGE}`],
    ] as const) {
      const res = await page(method, path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.text).toContain('This address is not valid');
      expect(res.text).toContain(problem);
    }
    const none = await page('get', '/alerts/999999');
    expect(none.status).toBe(404);
    expect(none.text).toContain('There is no alert 999999.');
  });

  it('refuses a backtest of a patient or program nobody is monitored under', async () => {
    const backtest = (body: object) =>
      request(vigil.url!)
        .post('/api/v1/rules/resting-hr-rise/backtest')
        .auth(clinician, { type: 'bearer' })
        .send({ from: '2026-01-01', to: '2026-01-31', ...body });
    const pid = await backtest({ pid: 999 }).expect(404);
    expect(pid.body.message).toBe(
      'Vigil does not monitor patient 999: there is no enrollment to backtest',
    );
    const program = await backtest({ program: 'heart-failur' }).expect(404);
    expect(program.body.message).toBe(
      'No watched patient is in program "heart-failur"; no patient is in any program',
    );
    await backtest({ pid: 3 }).expect(200);
  });
});

describe('the backtest command', () => {
  it('exits non-zero and says why for a patient Vigil does not monitor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    try {
      const cli = run(
        process.execPath,
        [
          ...['-r', 'ts-node/register/transpile-only', 'src/cli.ts', 'backtest', 'resting-hr-rise'],
          ...['--from', '2026-01-01', '--to', '2026-01-31', '--pid', '999'],
          ...['--draft', 'rules/resting-hr-rise.json'],
        ],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? '',
            DATA_DIR: dir,
            ENCRYPTION_KEYS: KeyRing.generateEntry('cli'),
          },
        },
      );
      await expect(cli).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining('Vigil does not monitor patient 999'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
