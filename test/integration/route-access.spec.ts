import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiTokens } from '../../src/auth/api-tokens';
import { STAFF_ROLES, StaffRole } from '../../src/auth/roles';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { freshDatabase, TestDatabase } from '../support/databases';
import { listRoutes } from '../support/routes';

type Access = 'public' | StaffRole[];
const STAFF_AND_UP: StaffRole[] = ['admin', 'clinician', 'staff'];
const CLINICIAN_AND_UP: StaffRole[] = ['admin', 'clinician'];
const ADMIN: StaffRole[] = ['admin'];

/**
 * Who may use each route: the one declared matrix. A route missing here, or
 * here but not served, fails this test, and so does a route whose guard
 * disagrees with the matrix for any role or for an anonymous caller.
 */
const MATRIX: Record<string, Access> = {
  'GET /': 'public',
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /login': 'public',
  'POST /login': 'public',
  'POST /logout': 'public',
  'GET /login/openemr': 'public',
  'GET /login/openemr/callback': 'public',
  'GET /api/v1/whoami': STAFF_AND_UP,
  'GET /api/v1/tokens': ADMIN,
  'DELETE /api/v1/tokens/:id': ADMIN,
  'GET /api/v1/rules/schema': STAFF_AND_UP,
  'POST /api/v1/rules/validate': CLINICIAN_AND_UP,
  'POST /api/v1/rules/reload': CLINICIAN_AND_UP,
  'GET /api/v1/rules': STAFF_AND_UP,
  'POST /api/v1/rules': CLINICIAN_AND_UP,
  'GET /api/v1/rules/:id': STAFF_AND_UP,
  'PUT /api/v1/rules/:id': CLINICIAN_AND_UP,
  'GET /api/v1/rules/:id/versions': STAFF_AND_UP,
  'GET /api/v1/rules/:id/versions/:version': STAFF_AND_UP,
  'PUT /api/v1/rules/:id/programs/:program': CLINICIAN_AND_UP,
  'POST /api/v1/rules/:id/backtest': CLINICIAN_AND_UP,
  'GET /api/v1/rules/:id/quality': STAFF_AND_UP,
  'GET /api/v1/patients/:pid/outcomes': STAFF_AND_UP,
  'GET /api/v1/patients/:pid/rules/params': STAFF_AND_UP,
  'PUT /api/v1/patients/:pid/rules/:id/params': CLINICIAN_AND_UP,
  'GET /api/v1/alerts': STAFF_AND_UP,
  'GET /api/v1/alerts/:id': STAFF_AND_UP,
  'POST /api/v1/alerts/:id/acknowledge': STAFF_AND_UP,
  'POST /api/v1/alerts/:id/snooze': STAFF_AND_UP,
  'POST /api/v1/alerts/:id/resolve': STAFF_AND_UP,
  'POST /api/v1/patients': STAFF_AND_UP,
  'GET /api/v1/patients': STAFF_AND_UP,
  'GET /api/v1/patients/:pid': STAFF_AND_UP,
  // Any staff may pause, resume or change the sync interval; a program change needs a clinician
  // (checked in the handler: "moves a patient between programs only as clinician or admin").
  'PATCH /api/v1/patients/:pid': STAFF_AND_UP,
  'DELETE /api/v1/patients/:pid': CLINICIAN_AND_UP,
  'POST /api/v1/patients/:pid/invitations': STAFF_AND_UP,
  'DELETE /api/v1/patients/:pid/connection': CLINICIAN_AND_UP,
  'GET /connect/:token': 'public',
  'POST /connect/:token': 'public',
  'GET /oauth/google/callback': 'public',
  'GET /disconnect/:token': 'public',
  'POST /disconnect/:token': 'public',
  'POST /api/v1/patients/:pid/sync': STAFF_AND_UP,
  'GET /api/v1/patients/:pid/blind-rules': STAFF_AND_UP,
  'POST /webhooks/google-health': 'public',
  'GET /assets/:name': 'public',
  'GET /alerts': STAFF_AND_UP,
  'GET /alerts/:id': STAFF_AND_UP,
  'POST /alerts/:id/acknowledge': STAFF_AND_UP,
  'POST /alerts/:id/snooze': STAFF_AND_UP,
  'POST /alerts/:id/resolve': STAFF_AND_UP,
  'GET /enrollments': STAFF_AND_UP,
  'POST /enrollments': STAFF_AND_UP,
  'POST /enrollments/:pid/invitation': STAFF_AND_UP,
  'POST /enrollments/:pid/pause': STAFF_AND_UP,
  'POST /enrollments/:pid/resume': STAFF_AND_UP,
  'POST /enrollments/:pid/disconnect': CLINICIAN_AND_UP,
  'POST /enrollments/:pid/end': CLINICIAN_AND_UP,
  'GET /patients/:pid': STAFF_AND_UP,
  'GET /api/v1/patients/:pid/aggregates': STAFF_AND_UP,
  'GET /rules': STAFF_AND_UP,
  'GET /rules/new': CLINICIAN_AND_UP,
  'GET /rules/:id': STAFF_AND_UP,
  'GET /rules/:id/quality': STAFF_AND_UP,
};

/** The guard's own refusals, told apart from a handler's 401/403 about its input. */
const refusedByGuard = (res: request.Response): boolean =>
  (res.status === 401 && /Sign in, or send Authorization/.test(String(res.body?.message))) ||
  (res.status === 403 && /role may not use this route/.test(String(res.body?.message)));

const concrete = (path: string): string => path.replace(/:[A-Za-z]+/g, '999999');

describe('route x role access matrix', () => {
  let db: TestDatabase;
  let vigil: VigilApp;
  const tokens = {} as Record<StaffRole, string>;

  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    for (const role of STAFF_ROLES)
      tokens[role] = (await vigil.app.get(ApiTokens).issue(role, role, 'test')).token;
  });
  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  it('declares every served route, and serves every declared one', () => {
    const served = listRoutes(vigil.app).map((r) => `${r.method} ${r.path}`);
    expect(served.sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it('lets exactly the declared callers through', async () => {
    const disagreements: string[] = [];
    for (const [route, access] of Object.entries(MATRIX)) {
      const [method, path] = route.split(' ');
      for (const caller of ['anonymous', ...STAFF_ROLES] as const) {
        const call = request(vigil.url ?? '')[method.toLowerCase() as 'get'](concrete(path));
        if (caller !== 'anonymous') call.set('Authorization', `Bearer ${tokens[caller]}`);
        const res = await call.redirects(0);
        const expected = access === 'public' || (caller !== 'anonymous' && access.includes(caller));
        if (expected === refusedByGuard(res)) {
          disagreements.push(
            `${route} as ${caller}: ${expected ? 'refused' : 'let through'} (${res.status})`,
          );
        }
      }
    }
    expect(disagreements).toEqual([]);
    // Every route x five callers, pages included: seconds on a busy machine.
  }, 60_000);

  it('answers 404 on every per-patient change for a pid that is not enrolled, saving nothing', async () => {
    const notEnrolled = 424242;
    const changes: [string, string, object?][] = [
      ['PUT', `/api/v1/patients/${notEnrolled}/rules/resting-hr-rise/params`, { deltaBpm: 6 }],
      ['GET', `/api/v1/patients/${notEnrolled}/rules/params`],
      ['PATCH', `/api/v1/patients/${notEnrolled}`, { program: 'cardiac' }],
      ['DELETE', `/api/v1/patients/${notEnrolled}`],
      ['DELETE', `/api/v1/patients/${notEnrolled}/connection`],
      ['POST', `/api/v1/patients/${notEnrolled}/invitations`],
      ['POST', `/api/v1/patients/${notEnrolled}/sync`],
    ];
    const answers: string[] = [];
    for (const [method, path, body] of changes) {
      const agent = request(vigil.url ?? '');
      const call = agent[method.toLowerCase() as 'put'](path).set(
        'Authorization',
        `Bearer ${tokens.admin}`,
      );
      const res = await (body ? call.send(body) : call);
      answers.push(`${method} ${path} ${res.status}`);
    }
    expect(answers).toEqual(changes.map(([method, path]) => `${method} ${path} 404`));
    const saved = await vigil.app
      .get(DataSource)
      .query(`SELECT COUNT(*) AS n FROM patient_rule_params WHERE pid = ${notEnrolled}`);
    expect(Number(saved[0].n)).toBe(0);
  });

  it('moves a patient between programs only as clinician or admin', async () => {
    const url = vigil.url ?? '';
    await request(url)
      .post('/api/v1/patients')
      .set('Authorization', `Bearer ${tokens.staff}`)
      .send({ pid: 1, program: 'general' })
      .expect(201);
    const patch = (role: StaffRole, body: object) =>
      request(url)
        .patch('/api/v1/patients/1')
        .set('Authorization', `Bearer ${tokens[role]}`)
        .send(body);
    const refused = await patch('staff', { program: 'cardiac' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/needs the clinician role/);
    await patch('staff', { syncIntervalMinutes: 60 }).expect(200);
    expect((await patch('clinician', { program: 'cardiac' }).expect(200)).body.program).toBe(
      'cardiac',
    );
    expect((await patch('admin', { program: null }).expect(200)).body.program).toBeNull();
  });
});
