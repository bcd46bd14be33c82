import request from 'supertest';
import { DataSource } from 'typeorm';
import { StaffSessions } from '../../src/auth/staff-sessions';
import { StaffSession } from '../../src/auth/staff-session.entity';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';
import { cookieJar, hiddenCsrf } from '../support/staff';

const PASSWORD = 'correct horse battery staple';

describe.each(testEngines())('staff sign-in on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let url: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await freshDatabase(engine);
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

  async function signIn(username: string, password = PASSWORD, next = '/') {
    const jar = cookieJar();
    const form = await request(url).get('/login').expect(200);
    jar.take(form);
    const res = await request(url)
      .post('/login')
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
    expect(wrong.res.text).toContain('The username or password is wrong.');
    expect(unknown.res.text).toContain('The username or password is wrong.');
    expect(wrong.jar.get('vigil_session')).toBeUndefined();

    const form = await request(url).get('/login');
    await request(url)
      .post('/login')
      .type('form')
      .send({ username: 'nurse.kim', password: PASSWORD, _csrf: hiddenCsrf(form.text) })
      .expect(403);
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

  it('locks an account after five failures, even for the right password', async () => {
    for (let i = 0; i < 4; i++)
      expect((await signIn('dr.lock', 'wrong password here')).res.status).toBe(401);
    const fifth = await signIn('dr.lock', 'wrong password here');
    expect(fifth.res.status).toBe(429);
    const right = await signIn('dr.lock', PASSWORD);
    expect(right.res.status).toBe(429);
    expect(right.res.text).toContain('Too many failed attempts');
  });

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
    for (let i = 0; i < 22; i++) statuses.push((await signIn('nobody', 'x'.repeat(12))).res.status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
  });
});
