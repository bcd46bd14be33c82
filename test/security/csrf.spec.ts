import request from 'supertest';
import { csrfTokenFor, SESSION_COOKIE, StaffSessions } from '../../src/auth/staff-sessions';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { freshDatabase, TestDatabase } from '../support/databases';
import { listRoutes } from '../support/routes';

const PASSWORD = 'csrf probe password 0123';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const concrete = (path: string): string => path.replace(/:[A-Za-z]+/g, '999999');
const CSRF_REFUSAL = /reload the page/;

/**
 * Unsafe public routes do not use the staff session, so the guard's CSRF check
 * does not apply; each has its own defence, checked here. A new unsafe public
 * route fails the test until it is classified.
 */
const PUBLIC_UNSAFE: Record<string, string> = {
  'POST /login': 'sign-in form token (cookie + hidden field)',
  'POST /logout': 'session CSRF token, else nothing is revoked',
  'POST /connect/:token': 'same-origin check',
  'POST /disconnect/:token': 'same-origin check',
  'POST /webhooks/google-health': 'shared secret and signature, no cookies',
};

describe('CSRF on every unsafe route a staff session can reach', () => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let url: string;
  const session: Record<'mine' | 'other', string> = { mine: '', other: '' };

  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    url = vigil.url ?? '';
    const sessions = vigil.app.get(StaffSessions);
    await sessions.createLocalUser('admin.csrf', 'admin', PASSWORD, 'test');
    await sessions.createLocalUser('admin.other', 'admin', PASSWORD, 'test');
    for (const [key, user] of [
      ['mine', 'admin.csrf'],
      ['other', 'admin.other'],
    ] as const) {
      const signedIn = await sessions.signIn(user, PASSWORD);
      if (!signedIn.ok) throw new Error('sign-in failed');
      session[key] = signedIn.secret;
    }
    // Four scrypt hashes and a migrated database: more than jest's 5 s on a busy machine.
  }, 30_000);
  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  const send = (method: string, path: string) => {
    const agent = request(url);
    return agent[method.toLowerCase() as 'post'](concrete(path))
      .set('Cookie', `${SESSION_COOKIE}=${session.mine}`)
      .redirects(0);
  };

  it('refuses a missing or foreign CSRF token and accepts the session’s own, route by route', async () => {
    const routes = listRoutes(vigil.app).filter((r) => !SAFE.has(r.method));
    const guarded = routes.filter((r) => !(`${r.method} ${r.path}` in PUBLIC_UNSAFE));
    expect(guarded.length).toBeGreaterThan(15);
    const wrong: string[] = [];
    for (const { method, path } of guarded) {
      const bare = await send(method, path).send({});
      const foreign = await send(method, path)
        .set('X-CSRF-Token', csrfTokenFor(session.other))
        .send({});
      const asForm = await send(method, path)
        .type('form')
        .send({ _csrf: 'x'.repeat(43) });
      const own = await send(method, path).set('X-CSRF-Token', csrfTokenFor(session.mine)).send({});
      for (const [label, res] of [
        ['no token', bare],
        ['another session’s token', foreign],
        ['a made-up form token', asForm],
      ] as const) {
        if (res.status !== 403 || !CSRF_REFUSAL.test(String(res.body?.message)))
          wrong.push(`${method} ${path} with ${label}: ${res.status}`);
      }
      if (own.status === 403 && CSRF_REFUSAL.test(String(own.body?.message)))
        wrong.push(`${method} ${path} refused its own token`);
    }
    expect(wrong).toEqual([]);
  });

  it('classifies every unsafe public route, and each defends itself without the session', async () => {
    const publicUnsafe = listRoutes(vigil.app)
      .filter((r) => !SAFE.has(r.method))
      .map((r) => `${r.method} ${r.path}`)
      .filter((r) => r in PUBLIC_UNSAFE);
    expect(publicUnsafe.sort()).toEqual(Object.keys(PUBLIC_UNSAFE).sort());

    // Sign-in without its form token: refused.
    const login = await request(url)
      .post('/login')
      .type('form')
      .send({ username: 'admin.csrf', password: PASSWORD, _csrf: 'y'.repeat(43) });
    expect(login.status).toBe(403);
    // Sign-out posted from elsewhere (no token): the session survives.
    await send('POST', '/logout').type('form').send({});
    await request(url)
      .get('/api/v1/whoami')
      .set('Cookie', `${SESSION_COOKIE}=${session.mine}`)
      .expect(200);
    // Patient links posted from another site.
    for (const path of ['/connect/999999', '/disconnect/999999']) {
      await request(url).post(path).set('Sec-Fetch-Site', 'cross-site').expect(403);
      await request(url).post(path).set('Origin', 'https://evil.example').expect(403);
    }
    // The webhook ignores cookies altogether.
    await send('POST', '/webhooks/google-health').send({}).expect(401);
  });
});
