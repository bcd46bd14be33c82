import request from 'supertest';
import { DataSource } from 'typeorm';
import { StaffSessions } from '../../src/auth/staff-sessions';
import { StaffUser } from '../../src/auth/staff-user.entity';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { STAND_IN_USERS } from '../../src/openemr/stand-in';
import { freshDatabase, mysqlAvailable, testEngines, TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';
import { OpenEmrDatabase } from '../../src/openemr/openemr-database';
import {
  freshOpenEmr,
  OPENEMR_SETUP_MS,
  STRICT_SQL_MODE,
  TestOpenEmr,
  useOpenEmrSqlMode,
} from '../support/openemr';
import { OpenEmrOAuthStub, StubUser } from '../support/openemr-oauth-stub';
import { freePort } from '../support/processes';
import { cookieJar, type CookieJar as Jar } from '../support/staff';

const CLIENT_ID = 'vigil-sign-in-client';
const CLIENT_SECRET = 'a-confidential-client-secret-from-openemr';

/** OpenEMR user uuids as `sub`: one per stand-in user, plus people only the stub knows. */
const uuidFor = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const OPENEMR_USERS: StubUser[] = [
  ...STAND_IN_USERS.map((user) => ({ sub: uuidFor(user.id), username: user.username })),
  { sub: uuidFor(101), username: 'alice' },
  { sub: uuidFor(102), username: 'mallory' },
  { sub: uuidFor(103), username: 'nurse.kim' },
];

interface Harness {
  vigil: VigilApp;
  stub: OpenEmrOAuthStub;
  base: string;
}

/** Leaves for OpenEMR: the authorize URL Vigil sends the browser to. */
async function leave(h: Harness, jar: Jar, next = '/alerts'): Promise<string> {
  const res = await request(h.base)
    .get(`/login/openemr?next=${encodeURIComponent(next)}`)
    .redirects(0);
  expect(res.status).toBe(303);
  jar.take(res);
  return res.headers.location as string;
}

/** Comes back from OpenEMR to Vigil's callback with this browser's cookies. */
async function comeBack(h: Harness, jar: Jar, callbackUrl: string): Promise<request.Response> {
  const back = new URL(callbackUrl);
  const res = await request(h.base)
    .get(`${back.pathname}${back.search}`)
    .set('Cookie', jar.header())
    .redirects(0);
  jar.take(res);
  return res;
}

async function signInAs(h: Harness, username: string, jar = cookieJar()) {
  h.stub.signedInAs = username;
  const res = await comeBack(h, jar, await h.stub.authorize(await leave(h, jar)));
  return { res, jar };
}

async function whoami(h: Harness, jar: Jar) {
  return request(h.base).get('/api/v1/whoami').set('Cookie', jar.header());
}

async function start(engine: 'sqlite' | 'mysql', extra: Record<string, string>, secret?: string) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const stub = await new OpenEmrOAuthStub(
    { clientId: CLIENT_ID, clientSecret: secret, redirectUri: `${base}/login/openemr/callback` },
    OPENEMR_USERS,
  ).start();
  const db = await freshDatabase(engine, {
    ROLE: 'api',
    PUBLIC_BASE_URL: base,
    OPENEMR_OAUTH_ISSUER: stub.issuer,
    OPENEMR_OAUTH_CLIENT_ID: CLIENT_ID,
    ...(secret ? { OPENEMR_OAUTH_CLIENT_SECRET: secret } : {}),
    ...extra,
  });
  const logs = new LogCapture();
  const vigil = await startVigil(db.env, { port, logWriter: logs.write });
  return { harness: { vigil, stub, base }, db, logs };
}

describe.each(testEngines())(
  'OpenEMR sign-in with roles from OpenEMR ACL groups, Vigil on %s',
  (engine) => {
    let openemr: TestOpenEmr;
    let db: TestDatabase;
    let logs: LogCapture;
    let h: Harness;

    beforeAll(async () => {
      openemr = await freshOpenEmr(mysqlAvailable() ? 'mysql' : 'sqlite');
      ({
        harness: h,
        db,
        logs,
      } = await start(engine, { OPENEMR_DATABASE_URL: openemr.url }, CLIENT_SECRET));
      // Roles are read from OpenEMR's gacl_* tables in both sql_modes a clinic's server may use.
      useOpenEmrSqlMode(
        h.vigil.app.get(OpenEmrDatabase),
        engine === 'mysql' ? STRICT_SQL_MODE : '',
      );
    }, OPENEMR_SETUP_MS);
    afterAll(async () => {
      await h?.vigil.shutdown('test finished');
      await h?.stub.stop();
      await db?.drop();
      await openemr?.drop();
    }, 60_000);

    it('offers "Sign in with OpenEMR" next to the local form', async () => {
      const page = await request(h.base).get('/login?next=/alerts').expect(200);
      expect(page.text).toContain('Sign in with OpenEMR');
      expect(page.text).toContain('href="/login/openemr?next=%2Falerts"');
      expect(page.text).toContain('name="username"');
    });

    it('sends the browser to OpenEMR with PKCE S256, state and nonce, and binds them to a short-lived cookie', async () => {
      const jar = cookieJar();
      const res = await request(h.base).get('/login/openemr?next=/alerts').redirects(0);
      jar.take(res);
      const to = new URL(res.headers.location as string);
      expect(`${to.origin}${to.pathname}`).toBe(`${h.stub.issuer}/authorize`);
      expect(Object.fromEntries(to.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: `${h.base}/login/openemr/callback`,
        scope: 'openid profile',
        code_challenge_method: 'S256',
      });
      expect(to.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(to.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const cookie = ([] as string[])
        .concat(res.headers['set-cookie'])
        .find((c) => c.startsWith('vigil_openemr_sign_in='));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Path=\/login\/openemr/);
      expect(cookie).toMatch(/Max-Age=600/);
      // The cookie holds the verifier, never sent to OpenEMR before the token request.
      expect(to.search).not.toContain(jar.get('vigil_openemr_sign_in'));
    });

    it.each([
      ['drsmith', 'clinician'],
      ['nurseward', 'clinician'],
      ['admin', 'admin'],
      ['frontdesk', 'staff'],
      ['billing', 'staff'],
    ])(
      'signs %s in as %s from the OpenEMR groups, into a fresh session',
      async (username, role) => {
        const jar = cookieJar();
        jar.set('vigil_session', 'planted-by-someone-else-aaaaaaaaaaaaaaaaaaaaaaa');
        const { res } = await signInAs(h, username, jar);
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe('/alerts');
        expect(jar.get('vigil_session')).not.toBe(
          'planted-by-someone-else-aaaaaaaaaaaaaaaaaaaaaaa',
        );
        expect(jar.get('vigil_openemr_sign_in')).toBeUndefined();
        const me = await whoami(h, jar);
        expect(me.status).toBe(200);
        expect(me.body).toMatchObject({ kind: 'user', name: username, role });
        const user = await h.vigil.app
          .get(DataSource)
          .getRepository(StaffUser)
          .findOneByOrFail({ username });
        expect(user).toMatchObject({ source: 'openemr', role, passwordHash: null });
        expect(user.externalSubject).toBe(OPENEMR_USERS.find((u) => u.username === username)?.sub);
      },
    );

    it('re-reads the role at every sign-in, and a new sign-in is a new session', async () => {
      const first = await signInAs(h, 'billing');
      expect((await whoami(h, first.jar)).body.role).toBe('staff');
      await openemr.db.run((q) =>
        q.update(
          `INSERT INTO gacl_groups_aro_map (group_id, aro_id)
           SELECT g.id, a.id FROM gacl_aro_groups g, gacl_aro a
            WHERE g.value = 'doc' AND a.section_value = 'users' AND a.value = 'billing'`,
        ),
      );
      const second = await signInAs(h, 'billing');
      expect((await whoami(h, second.jar)).body.role).toBe('clinician');
      expect(second.jar.get('vigil_session')).not.toBe(first.jar.get('vigil_session'));
      const users = await h.vigil.app
        .get(DataSource)
        .getRepository(StaffUser)
        .findBy({ username: 'billing' });
      expect(users).toHaveLength(1);
      const audit = await h.vigil.app
        .get(DataSource)
        .getRepository(AuditEvent)
        .findBy({ action: 'user.updated_from_openemr', subjectId: String(users[0].id) });
      expect(audit.map((a) => JSON.parse(a.details ?? '{}'))).toEqual([
        { role: { from: 'staff', to: 'clinician' } },
      ]);
    });

    it('refuses an inactive OpenEMR user with a clear page and no session', async () => {
      const { res, jar } = await signInAs(h, 'drold');
      expect(res.status).toBe(403);
      expect(res.text).toContain('Your OpenEMR user is inactive');
      expect(jar.get('vigil_session')).toBeUndefined();
      expect(
        await h.vigil.app.get(DataSource).getRepository(StaffUser).findOneBy({ username: 'drold' }),
      ).toBeNull();
    });

    it('refuses an OpenEMR user in no mapped group, and one OpenEMR does not know', async () => {
      const unmapped = await signInAs(h, 'vigil');
      expect(unmapped.res.status).toBe(403);
      expect(unmapped.res.text).toContain('has no role in Vigil');
      expect(unmapped.jar.get('vigil_session')).toBeUndefined();
      const unknown = await signInAs(h, 'alice');
      expect(unknown.res.status).toBe(403);
      expect(unknown.res.text).toContain('was not found in OpenEMR');
    });

    it('refuses a forged state, a state from another browser, and a replayed callback', async () => {
      const jar = cookieJar();
      h.stub.signedInAs = 'drsmith';
      const callback = new URL(await h.stub.authorize(await leave(h, jar)));

      const forged = new URL(callback);
      forged.searchParams.set('state', 'A'.repeat(43));
      expect((await comeBack(h, cookieJar(), forged.toString())).status).toBe(400);

      // The attacker's own browser (no cookie, or its own cookie) cannot use the victim's state.
      const stranger = cookieJar();
      await leave(h, stranger);
      const foreign = await comeBack(h, stranger, callback.toString());
      expect(foreign.status).toBe(400);
      expect(foreign.text).toContain('started in another browser');
      expect(stranger.get('vigil_session')).toBeUndefined();

      const copy = cookieJar();
      copy.set('vigil_openemr_sign_in', jar.get('vigil_openemr_sign_in') ?? '');
      const ok = await comeBack(h, jar, callback.toString());
      expect(ok.status).toBe(303);
      const replay = await comeBack(h, copy, callback.toString());
      expect(replay.status).toBe(400);
      expect(replay.text).toContain('already used');
      expect(copy.get('vigil_session')).toBeUndefined();
    });

    it('refuses a callback without a code or state without reaching OpenEMR', async () => {
      const before = h.stub.tokenRequests.length;
      const res = await request(h.base).get('/login/openemr/callback').redirects(0);
      expect(res.status).toBe(400);
      expect(h.stub.tokenRequests.length).toBe(before);
    });

    it('refuses a code issued for another PKCE challenge (an injected code): OpenEMR rejects the verifier', async () => {
      const jar = cookieJar();
      h.stub.signedInAs = 'admin';
      const authorize = new URL(await leave(h, jar));
      authorize.searchParams.set('code_challenge', 'B'.repeat(43));
      const before = h.stub.tokenRequests.length;
      const verifier = jar.get('vigil_openemr_sign_in') ?? '';
      expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const res = await comeBack(h, jar, await h.stub.authorize(authorize.toString()));
      expect(res.status).toBe(502);
      expect(jar.get('vigil_session')).toBeUndefined();
      expect(h.stub.tokenRequests.slice(before)).toEqual([{ status: 400, error: 'invalid_grant' }]);
      expect(logs.text).not.toContain(verifier);
    });

    it.each([
      [
        'another audience',
        { claims: { aud: 'some-other-app' } },
        'id_token aud is not this client',
      ],
      ['another nonce', { claims: { nonce: 'C'.repeat(43) } }, 'id_token nonce does not match'],
      ['another issuer', { claims: { iss: 'http://127.0.0.1:1/oauth2/default' } }, 'id_token iss'],
      ['an expired token', { claims: { exp: 1_700_000_000 } }, 'id_token has expired'],
      ['a key OpenEMR does not publish', { foreignKey: true }, 'id_token signature is wrong'],
    ])('refuses an id_token with %s', async (_label, change, problem) => {
      const jar = cookieJar();
      h.stub.signedInAs = 'drsmith';
      const authorizeUrl = await leave(h, jar);
      h.stub.nextIdToken = change;
      const res = await comeBack(h, jar, await h.stub.authorize(authorizeUrl));
      expect(res.status).toBe(403);
      expect(res.text).toContain('could not be verified');
      expect(jar.get('vigil_session')).toBeUndefined();
      expect(logs.text).toContain(problem);
    });

    it('keeps tokens and verifiers out of the log', () => {
      expect(logs.text).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
      expect(logs.text).not.toContain(CLIENT_SECRET);
    });
  },
);

describe('OpenEMR sign-in without OpenEMR database: roles from OPENEMR_OAUTH_ROLES, public client', () => {
  let db: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    ({ harness: h, db } = await start('sqlite', {
      OPENEMR_OAUTH_ROLES: 'alice=clinician,nurse.kim=staff,drsmith=admin',
    }));
    await h.vigil.app
      .get(StaffSessions)
      .createLocalUser('nurse.kim', 'staff', 'a long local password', 'test');
  }, 60_000);
  afterAll(async () => {
    await h.vigil.shutdown('test finished');
    await h.stub.stop();
    await db.drop();
  }, 60_000);

  it('signs a listed username in with its configured role', async () => {
    const { res, jar } = await signInAs(h, 'alice');
    expect(res.status).toBe(303);
    expect((await whoami(h, jar)).body).toMatchObject({ name: 'alice', role: 'clinician' });
  });

  it('refuses a username the configuration does not list', async () => {
    const { res, jar } = await signInAs(h, 'mallory');
    expect(res.status).toBe(403);
    expect(res.text).toContain('has no role in Vigil');
    expect(jar.get('vigil_session')).toBeUndefined();
  });

  it('never lets an OpenEMR user take over a local account of the same name', async () => {
    const { res, jar } = await signInAs(h, 'nurse.kim');
    expect(res.status).toBe(409);
    expect(res.text).toContain('Another Vigil account already uses your OpenEMR username');
    expect(jar.get('vigil_session')).toBeUndefined();
    const user = await h.vigil.app
      .get(DataSource)
      .getRepository(StaffUser)
      .findOneByOrFail({ username: 'nurse.kim' });
    expect(user).toMatchObject({ source: 'local', externalSubject: null });
  });
});

describe('OpenEMR sign-in when it is not configured', () => {
  let db: TestDatabase;
  let vigil: VigilApp;

  beforeAll(async () => {
    db = await freshDatabase('sqlite', { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
  }, 60_000);
  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  }, 60_000);

  it('shows no button and answers its routes with "not set up"', async () => {
    const page = await request(vigil.url ?? '')
      .get('/login')
      .expect(200);
    expect(page.text).not.toContain('Sign in with OpenEMR');
    const res = await request(vigil.url ?? '')
      .get('/login/openemr')
      .redirects(0);
    expect(res.status).toBe(404);
    expect(res.text).toContain('not set up here');
  });
});
