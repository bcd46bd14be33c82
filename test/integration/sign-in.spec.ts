import request from 'supertest';
import { DataSource } from 'typeorm';
import * as passwords from '../../src/auth/passwords';
import { SIGN_IN_REFUSED } from '../../src/auth/sign-in.controller';
import { StaffSessions } from '../../src/auth/staff-sessions';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { StaffSession } from '../../src/auth/staff-session.entity';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';
import { cookieJar, hiddenCsrf } from '../support/staff';

/** Text as the page escapes it. */
const html = (text: string): string => text.replace(/'/g, '&#39;');

const PASSWORD = 'correct horse battery staple';

describe.each(testEngines())('staff sign-in on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let url: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    // Sign-in attempts below come from several addresses, named in X-Forwarded-For.
    db = await freshDatabase(engine, { TRUST_PROXY: 'loopback' });
    vigil = await startVigil(db.env, { port: 0, logWriter: logs.write });
    url = vigil.url ?? '';
    const sessions = vigil.app.get(StaffSessions);
    await sessions.createLocalUser('nurse.kim', 'staff', PASSWORD, 'test');
    await sessions.createLocalUser('admin.lee', 'admin', PASSWORD, 'test');
    await sessions.createLocalUser('dr.lock', 'clinician', PASSWORD, 'test');
    // Three scrypt hashes and a migrated database: more than jest's 5 s on a busy machine.
  }, 30_000);
  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  async function signIn(username: string, password = PASSWORD, next = '/', from = '127.0.0.1') {
    const jar = cookieJar();
    const form = await request(url).get('/login').expect(200);
    jar.take(form);
    const res = await request(url)
      .post('/login')
      .set('X-Forwarded-For', from)
      .set('Cookie', jar.header())
      .type('form')
      .send({ username, password, _csrf: hiddenCsrf(form.text), next });
    jar.take(res);
    return { jar, res };
  }

  it('signs a staff member in with a fresh httpOnly session and lets the session call the API', async () => {
    const { jar, res } = await signIn('nurse.kim', PASSWORD, '/api/v1/whoami');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/api/v1/whoami');
    const cookie = ([] as string[])
      .concat(res.headers['set-cookie'])
      .find((c) => c.startsWith('vigil_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const me = await request(url).get('/api/v1/whoami').set('Cookie', jar.header()).expect(200);
    expect(me.body).toMatchObject({ kind: 'user', name: 'nurse.kim', role: 'staff' });
    await request(url).get('/api/v1/tokens').set('Cookie', jar.header()).expect(403);
  });

  it('refuses wrong and unknown credentials alike, and a form without its CSRF cookie', async () => {
    const wrong = await signIn('nurse.kim', 'not the password at all');
    const unknown = await signIn('nobody', PASSWORD);
    expect([wrong.res.status, unknown.res.status]).toEqual([401, 401]);
    expect(wrong.res.text).toContain(html(SIGN_IN_REFUSED));
    expect(unknown.res.text).toContain(html(SIGN_IN_REFUSED));
    expect(wrong.jar.get('vigil_session')).toBeUndefined();

    const form = await request(url).get('/login');
    await request(url)
      .post('/login')
      .type('form')
      .send({ username: 'nurse.kim', password: PASSWORD, _csrf: hiddenCsrf(form.text) })
      .expect(403);
  });

  it('names a missing field as missing, not as too long', async () => {
    const logout = await request(url).post('/logout').type('form').send({}).expect(400);
    expect(logout.body.errors).toEqual([{ path: '_csrf', message: '_csrf is required' }]);
    const login = await request(url)
      .post('/login')
      .type('form')
      .send({ password: PASSWORD, _csrf: 'x' })
      .expect(400);
    expect(login.body.errors).toEqual([{ path: 'username', message: 'username is required' }]);
  });

  it('never redirects off-site after sign-in', async () => {
    const { res } = await signIn('nurse.kim', PASSWORD, '//evil.example/steal');
    expect(res.headers.location).toBe('/');
  });

  it('ignores a session id planted before sign-in (no fixation)', async () => {
    const planted = 'A'.repeat(43);
    const jar = cookieJar();
    jar.set('vigil_session', planted);
    await request(url).get('/api/v1/whoami').set('Cookie', jar.header()).expect(401);
    const form = await request(url).get('/login').set('Cookie', jar.header());
    jar.take(form);
    const res = await request(url)
      .post('/login')
      .set('Cookie', jar.header())
      .type('form')
      .send({ username: 'nurse.kim', password: PASSWORD, _csrf: hiddenCsrf(form.text) })
      .expect(303);
    jar.take(res);
    expect(jar.get('vigil_session')).not.toBe(planted);
    await request(url).get('/api/v1/whoami').set('Cookie', `vigil_session=${planted}`).expect(401);
  });

  it('requires the CSRF token on state-changing requests made with a session', async () => {
    const { jar } = await signIn('admin.lee');
    const denied = await request(url)
      .delete('/api/v1/tokens/999')
      .set('Cookie', jar.header())
      .expect(403);
    expect(denied.body.message).toContain('reload the page');
    const home = await request(url).get('/alerts').set('Cookie', jar.header()).expect(200);
    await request(url)
      .delete('/api/v1/tokens/999')
      .set('Cookie', jar.header())
      .set('X-CSRF-Token', hiddenCsrf(home.text))
      .expect(404);
  });

  it('signs out on the server: the old cookie stops working', async () => {
    const { jar } = await signIn('nurse.kim');
    const cookie = jar.header();
    const home = await request(url).get('/alerts').set('Cookie', cookie).expect(200);
    await request(url)
      .post('/logout')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: hiddenCsrf(home.text) })
      .expect(303);
    await request(url).get('/api/v1/whoami').set('Cookie', cookie).expect(401);
  });

  it('expires sessions', async () => {
    const { jar } = await signIn('nurse.kim');
    await request(url).get('/api/v1/whoami').set('Cookie', jar.header()).expect(200);
    await vigil.app
      .get(DataSource)
      .getRepository(StaffSession)
      .createQueryBuilder()
      .update()
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .execute();
    await request(url).get('/api/v1/whoami').set('Cookie', jar.header()).expect(401);
  });

  it('holds back repeated failures of one username from one address, and locks no one out', async () => {
    const stranger = '203.0.113.9';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await signIn('dr.lock', 'wrong password here', '/', stranger)).res.status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    // The stranger is now held back: even the right password gets the same refusal...
    const held = await signIn('dr.lock', PASSWORD, '/', stranger);
    expect(held.res.status).toBe(401);
    expect(held.res.text).toContain(html(SIGN_IN_REFUSED));
    // ...while the staff member, from their own address, signs in at once.
    const owner = await signIn('dr.lock', PASSWORD, '/', '198.51.100.7');
    expect(owner.res.status).toBe(303);
  }, 60_000);

  it('answers unknown users, wrong passwords and held-back attempts alike, one scrypt each', async () => {
    const from = '203.0.113.20';
    for (let i = 0; i < 6; i++) await signIn('admin.lee', 'wrong password here', '/', from);
    const verify = jest.spyOn(passwords, 'verifyPassword');
    const timed = async (username: string, password: string, address: string) => {
      const started = performance.now();
      const { res } = await signIn(username, password, '/', address);
      return { res, ms: performance.now() - started };
    };
    try {
      const answers = {
        unknown: await timed('nobody.here', PASSWORD, '203.0.113.21'),
        wrong: await timed('nurse.kim', 'wrong password here', '203.0.113.22'),
        held: await timed('admin.lee', PASSWORD, from),
      };
      expect(verify).toHaveBeenCalledTimes(3);
      const page = (text: string) => text.replace(/value="[A-Za-z0-9_-]{43}"/g, 'value="csrf"');
      const [first, ...rest] = Object.values(answers).map(({ res }) => ({
        status: res.status,
        page: page(res.text),
      }));
      expect(rest).toEqual([first, first]);
      expect(first.status).toBe(401);
      process.stdout.write(
        `sign-in refusals (ms): ${Object.entries(answers)
          .map(([name, { ms }]) => `${name} ${ms.toFixed(0)}`)
          .join(', ')}\n`,
      );
    } finally {
      verify.mockRestore();
    }
  }, 60_000);

  it('records every attempt in the audit trail, without unknown usernames', async () => {
    await signIn('ghost.user', 'ghost password 1', '/', '203.0.113.30');
    await signIn('nurse.kim', 'wrong password here', '/', '203.0.113.31');
    await signIn('nurse.kim', PASSWORD, '/', '203.0.113.31');
    const events = await vigil.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .find({ order: { id: 'ASC' } });
    const attempts = events
      .filter((e) => e.action.startsWith('sign_in') && /203\.0\.113\.3[01]/.test(e.details ?? ''))
      .map((e) => ({
        actor: e.actor,
        action: e.action,
        reason: JSON.parse(e.details ?? '{}').reason,
      }));
    expect(attempts).toEqual([
      { actor: 'anonymous', action: 'sign_in.failed', reason: 'unknown_user' },
      { actor: 'user:nurse.kim', action: 'sign_in.failed', reason: 'wrong_password' },
      { actor: 'user:nurse.kim', action: 'sign_in', reason: undefined },
    ]);
    expect(JSON.stringify(events)).not.toContain('ghost.user');
  }, 60_000);

  it('keeps passwords and session ids out of the logs and the database', async () => {
    const { jar } = await signIn('nurse.kim');
    const secret = jar.get('vigil_session') ?? '';
    expect(logs.text).not.toContain(PASSWORD);
    expect(logs.text).not.toContain(secret);
    const rows = await vigil.app.get(DataSource).query('SELECT * FROM staff_sessions');
    expect(JSON.stringify(rows)).not.toContain(secret);
    const users = await vigil.app.get(DataSource).query('SELECT password_hash FROM staff_users');
    expect(JSON.stringify(users)).not.toContain(PASSWORD);
  });

  it('throttles sign-in attempts from one address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++)
      statuses.push((await signIn('nobody', 'x'.repeat(12), '/', '192.0.2.50')).res.status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
  }, 60_000);
});
