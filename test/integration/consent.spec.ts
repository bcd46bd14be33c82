import request from 'supertest';
import { DataSource, IsNull } from 'typeorm';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { Invitation } from '../../src/consent/invitation.entity';
import { OAuthAttempt } from '../../src/consent/oauth-attempt.entity';
import { WEARABLE_CONNECTED, WearableConnectionEvent } from '../../src/events/contracts';
import { StoredSecret } from '../../src/crypto/stored-secret.entity';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Enrollment } from '../../src/patients/enrollment.entity';
import { startSimulator, Simulator, SCOPES } from '../../src/simulator';
import {
  ConnectionTokens,
  NotConnectedError,
  ReconsentNeededError,
} from '../../src/wearables/connection-tokens';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';
import {
  consent,
  disconnectPath,
  enroll,
  finishConsent,
  invite,
  simulatorEnv,
  staffToken,
  startConsent,
} from '../support/consent';

const HOUR = 60 * 60_000;

describe.each(testEngines())('patient consent on %s', (engine) => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let url: string;
  let logs: LogCapture;
  let admin: string;
  let dataSource: DataSource;
  let tokens: ConnectionTokens;
  const connected: WearableConnectionEvent[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 8 });
    // ROLE=api: no ingestion workers, so these tests alone decide when Google is called.
    db = await freshDatabase(engine, {
      ...simulatorEnv(sim),
      ROLE: 'api',
      LOG_LEVEL: 'debug', // every request line, so the leak check below sees them all
    });
    logs = new LogCapture();
    vigil = await startVigil(db.env, { port: 0, logWriter: logs.write });
    url = vigil.url ?? '';
    admin = await staffToken(vigil);
    dataSource = vigil.app.get(DataSource);
    tokens = vigil.app.get(ConnectionTokens);
    vigil.app
      .get(EventEmitter2)
      .on(WEARABLE_CONNECTED, (e: WearableConnectionEvent) => connected.push(e));
  });

  afterEach(() => {
    tokens.clock = () => new Date();
    sim.faults.clear();
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  const patient = (pid: number) =>
    request(url).get(`/api/v1/patients/${pid}`).auth(admin, { type: 'bearer' }).expect(200);
  const connectionOf = async (pid: number): Promise<WearableConnection> => {
    const enrollment = await dataSource.getRepository(Enrollment).findOneByOrFail({ pid });
    return dataSource
      .getRepository(WearableConnection)
      .findOneByOrFail({ enrollmentId: enrollment.id });
  };
  const count = (entity: 'secrets' | 'connections' | 'audit') =>
    dataSource
      .getRepository(
        entity === 'secrets'
          ? StoredSecret
          : entity === 'connections'
            ? WearableConnection
            : AuditEvent,
      )
      .count();

  it('takes a patient from enrollment to an active, refreshable, revocable connection', async () => {
    await enroll(vigil, admin, 101);
    expect((await patient(101)).body).toMatchObject({
      pid: 101,
      status: 'invited',
      connection: null,
    });

    const link = await invite(vigil, admin, 101);
    const page = await request(url).get(link).expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('Riverside Cardiology');
    expect(page.text).toContain('Your sleep');
    expect(page.text).toContain('not an emergency service');
    expect(page.text).toContain('How to stop');

    const started = await startConsent(vigil, link, { user: 'sim-2' });
    expect(started.cookie).toMatch(/^vigil_consent=/);
    const done = await finishConsent(vigil, started);
    expect(done.status).toBe(200);
    expect(done.text).toContain('You are connected');

    const view = (await patient(101)).body;
    const user = sim.cohort.user('sim-2')!;
    expect(view).toMatchObject({
      status: 'active',
      timeZone: sim.cohort.timeZoneAt(user, Date.now()),
      connection: {
        provider: 'google-health',
        connected: true,
        grantedData: ['activity', 'measurements', 'sleep', 'settings'],
      },
    });
    expect(new Date(view.connection.nextSyncAt).getTime()).toBeLessThanOrEqual(Date.now());
    const connection = await connectionOf(101);
    expect(connection.healthUserId).toBe(user.healthUserId);
    expect(connected).toContainEqual({
      pid: 101,
      enrollmentId: expect.any(Number),
      connectionId: connection.id,
    });

    // The invitation is consumed.
    await request(url).get(link).expect(410);

    // An access token in its last minutes is refreshed once, stored, and works at Google.
    const first = await tokens.accessToken(connection.id);
    expect(sim.oauth.tokenRequests('refresh_token')).toBe(0);
    tokens.clock = () => new Date(Date.now() + HOUR);
    const refreshed = await tokens.accessToken(connection.id);
    expect(refreshed).not.toBe(first);
    expect(sim.oauth.tokenRequests('refresh_token')).toBe(1);
    expect(await tokens.accessToken(connection.id)).toBe(refreshed);
    expect(sim.oauth.tokenRequests('refresh_token')).toBe(1);
    const identity = await fetch(`${sim.url}/v4/users/me/identity`, {
      headers: { authorization: `Bearer ${refreshed}` },
    });
    expect(identity.status).toBe(200);

    // The patient stops sharing with the link from the confirmation page.
    const stop = disconnectPath(done.text);
    const confirm = await request(url).get(stop).expect(200);
    expect(confirm.text).toContain('Stop sharing');
    // Origin: null (a sandboxed frame, a data: page) is cross-site.
    await request(url).post(stop).set('Origin', 'null').expect(403);
    const stopped = await request(url).post(stop).expect(200);
    expect(stopped.text).toContain('You have stopped sharing');
    expect(sim.oauth.lookup(refreshed)).toBe('unknown');
    const after = (await patient(101)).body;
    expect(after).toMatchObject({
      status: 'paused',
      connection: { connected: false, nextSyncAt: null },
    });
    const cleared = await connectionOf(101);
    expect([cleared.refreshSecretId, cleared.accessSecretId]).toEqual([null, null]);
    await expect(tokens.accessToken(cleared.id)).rejects.toBeInstanceOf(NotConnectedError);
    await request(url).post(stop).expect(404);

    const actions = (await dataSource.getRepository(AuditEvent).findBy({ pid: 101 })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'enrollment.created',
        'invitation.created',
        'consent.granted',
        'connection.disconnected',
      ]),
    );
  });

  it('moves to needs_reconsent when Google refuses the refresh token, without retrying', async () => {
    await enroll(vigil, admin, 102);
    const done = await consent(vigil, await invite(vigil, admin, 102), { user: 'sim-3' });
    expect(done.status).toBe(200);
    const connection = await connectionOf(102);
    sim.oauth.revokeUser('sim-3');
    sim.resetStats();
    tokens.clock = () => new Date(Date.now() + HOUR);
    await expect(tokens.accessToken(connection.id)).rejects.toBeInstanceOf(ReconsentNeededError);
    await expect(tokens.accessToken(connection.id)).rejects.toBeInstanceOf(NotConnectedError);
    expect(sim.oauth.tokenRequests()).toBe(1);
    expect((await patient(102)).body).toMatchObject({
      status: 'needs_reconsent',
      connection: { connected: false, nextSyncAt: null },
    });
    const event = await dataSource
      .getRepository(AuditEvent)
      .findOneByOrFail({ pid: 102, action: 'connection.needs_reconsent' });
    expect(event.actor).toBe('system');

    // A new invitation brings the patient back.
    const again = await consent(vigil, await invite(vigil, admin, 102), { user: 'sim-3' });
    expect(again.status).toBe(200);
    expect((await patient(102)).body).toMatchObject({
      status: 'active',
      connection: { connected: true },
    });
  });

  describe('refuses bad links and bad callbacks, each with its own page and no side effect', () => {
    let link: string;
    beforeAll(async () => {
      await enroll(vigil, admin, 201);
      link = await invite(vigil, admin, 201);
    });

    it('unknown and malformed invitation links', async () => {
      await request(url)
        .get(`/connect/${'A'.repeat(43)}`)
        .expect(404);
      const bad = await request(url).get('/connect/<script>').expect(404);
      expect(bad.text).not.toContain('<script>');
      await request(url)
        .post(`/connect/${'A'.repeat(43)}`)
        .expect(404);
    });

    it('expired and replaced invitations', async () => {
      const replaced = await invite(vigil, admin, 201);
      const fresh = await invite(vigil, admin, 201);
      expect((await request(url).get(replaced).expect(410)).text).toContain('replaced');
      await request(url).get(fresh).expect(200);
      await dataSource.getRepository(Invitation).update(
        {
          enrollmentId: (await dataSource.getRepository(Enrollment).findOneByOrFail({ pid: 201 }))
            .id,
        },
        { expiresAt: new Date(Date.now() - 1000) },
      );
      expect((await request(url).get(fresh).expect(410)).text).toContain('expired');
      link = await invite(vigil, admin, 201);
    });

    it('a missing, forged, expired or other-browser state', async () => {
      const before = [await count('secrets'), await count('connections')];
      expect((await request(url).get('/oauth/google/callback?code=x').expect(400)).text).toContain(
        'incomplete',
      );
      await request(url)
        .get(`/oauth/google/callback?code=x&state=${'B'.repeat(43)}`)
        .expect(400);

      const started = await startConsent(vigil, link);
      expect((await finishConsent(vigil, started, '')).status).toBe(400);
      const other = await finishConsent(vigil, started, `vigil_consent=${'C'.repeat(43)}`);
      expect(other.status).toBe(400);
      expect(other.text).toContain('same browser');

      await dataSource
        .getRepository(OAuthAttempt)
        .update({ usedAt: IsNull() }, { expiresAt: new Date(Date.now() - 1000) });
      expect((await finishConsent(vigil, started)).text).toContain('too long');
      expect([(await count('secrets')) - 1, await count('connections')]).toEqual(before); // only the verifier
      expect((await patient(201)).body.status).toBe('invited');
    });

    it('access_denied leaves the invitation usable', async () => {
      const denied = await consent(vigil, link, { deny: true });
      expect(denied.status).toBe(200);
      expect(denied.text).toContain('You chose not to share');
      expect((await patient(201)).body).toMatchObject({ status: 'invited', connection: null });
      await request(url).get(link).expect(200);
    });

    it('a grant without any health data is reported, not connected', async () => {
      const none = await consent(vigil, link, { user: 'sim-4', scopes: [SCOPES.settings] });
      expect(none.text).toContain('No health data was shared');
      expect((await patient(201)).body).toMatchObject({ status: 'invited', connection: null });
      await dataSource
        .getRepository(AuditEvent)
        .findOneByOrFail({ pid: 201, action: 'consent.nothing_granted' });
    });

    it('a replayed callback, after success, changes nothing', async () => {
      const started = await startConsent(vigil, link, { user: 'sim-4', scopes: [SCOPES.sleep] });
      expect((await finishConsent(vigil, started)).status).toBe(200);
      // include_granted_scopes: Google adds the settings scope sim-4 granted a moment ago.
      expect((await patient(201)).body.connection.grantedData).toEqual(['sleep', 'settings']);
      const secrets = await count('secrets');
      // A refresh of "You are connected" tells the truth again: connected, sharing sleep, and
      // the rules that read only what was left unticked cannot run. The one-time link is not shown.
      const replay = await finishConsent(vigil, started);
      expect(replay.status).toBe(200);
      expect(replay.text).toContain('You are connected');
      expect(replay.text).toContain('Your sleep');
      expect(replay.text).not.toContain('Nothing was shared');
      expect(replay.text).not.toContain('/disconnect/');
      expect(replay.text).toContain('Checks that cannot run');
      expect(replay.text).toContain('Low oxygen saturation (needs your oxygen saturation)');
      expect(replay.text).not.toMatch(/Sleep deficit \(/);
      expect(await count('secrets')).toBe(secrets);
    });

    it('never attaches one Google account to a second patient', async () => {
      await enroll(vigil, admin, 202);
      const other = await consent(vigil, await invite(vigil, admin, 202), { user: 'sim-4' });
      expect(other.status).toBe(409);
      expect((await patient(202)).body).toMatchObject({ status: 'invited', connection: null });
      expect((await patient(201)).body.status).toBe('active');
    });

    it('a form posted from another site', async () => {
      await enroll(vigil, admin, 203);
      const path = await invite(vigil, admin, 203);
      await request(url).post(path).set('Origin', 'https://evil.example').expect(403);
      await request(url).post(path).set('Sec-Fetch-Site', 'cross-site').expect(403);
      await request(url).post(path).set('Sec-Fetch-Site', 'same-site').expect(403);
      await request(url).post(path).set('Origin', 'null').expect(403);
      await request(url).get(path).expect(200);
    });
  });

  it('lets staff disconnect and end monitoring, revoking at Google', async () => {
    await enroll(vigil, admin, 301);
    await consent(vigil, await invite(vigil, admin, 301), { user: 'sim-5' });
    const clinician = await staffToken(vigil, 'clinician');
    const res = await request(url)
      .delete('/api/v1/patients/301/connection')
      .auth(clinician, { type: 'bearer' })
      .expect(200);
    expect(res.body).toEqual({ pid: 301, revokedAtProvider: true, retention: 'keep' });
    expect((await patient(301)).body).toMatchObject({
      status: 'paused',
      connection: { connected: false },
    });
    await request(url)
      .delete('/api/v1/patients/301/connection')
      .auth(clinician, { type: 'bearer' })
      .expect(409);
    await request(url)
      .delete('/api/v1/patients/301')
      .auth(clinician, { type: 'bearer' })
      .expect(200);
    expect((await patient(301)).body.status).toBe('ended');
    await request(url)
      .post('/api/v1/patients/301/invitations')
      .auth(admin, { type: 'bearer' })
      .expect(409);
  });

  it('revokes the old grant when a patient reconnects with another Google account', async () => {
    await enroll(vigil, admin, 501);
    await consent(vigil, await invite(vigil, admin, 501), { user: 'sim-7' });
    const first = await tokens.accessToken((await connectionOf(501)).id);
    expect(sim.oauth.lookup(first)).toMatchObject({ userId: 'sim-7' });
    const changesOf = async () =>
      (await request(url).get('/api/v1/patients/501').auth(admin, { type: 'bearer' }).expect(200))
        .body.connectionChanges as { at: string; date: string; kind: string; words: string }[];
    expect(await changesOf()).toEqual([]);
    const again = await consent(vigil, await invite(vigil, admin, 501), { user: 'sim-8' });
    expect(again.status).toBe(200);
    expect(sim.oauth.lookup(first)).toBe('unknown');
    expect((await connectionOf(501)).healthUserId).toBe(sim.cohort.user('sim-8')!.healthUserId);
    // Staff must learn that the data now comes from another account (and maybe another zone).
    const changes = await dataSource
      .getRepository(AuditEvent)
      .find({ where: { pid: 501 }, order: { id: 'ASC' } });
    const zoneOf = (user: string) => sim.cohort.timeZoneAt(sim.cohort.user(user)!, Date.now());
    expect(changes.map((e) => e.action).filter((a) => a.startsWith('consent.'))).toEqual([
      'consent.granted',
      'consent.account_changed',
      ...(zoneOf('sim-7') === zoneOf('sim-8') ? [] : ['consent.time_zone_changed']),
      'consent.granted',
    ]);
    // The API tells integrators too, as the patient page does.
    const told = await changesOf();
    expect(told.map((c) => c.kind)).toEqual([
      'account',
      ...(zoneOf('sim-7') === zoneOf('sim-8') ? [] : ['timeZone']),
    ]);
    expect(told[0]).toEqual({
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      kind: 'account',
      words: 'Another Google account connected',
    });
    if (told.length > 1) {
      expect(told[1].words).toBe(`Time zone ${zoneOf('sim-7')} → ${zoneOf('sim-8')}`);
    }
    // The same account again changes nothing.
    await consent(vigil, await invite(vigil, admin, 501), { user: 'sim-8' });
    expect(await changesOf()).toHaveLength(told.length);
    expect(
      await dataSource
        .getRepository(AuditEvent)
        .countBy({ pid: 501, action: 'consent.account_changed' }),
    ).toBe(1);
  });

  it('shows an error from Google other than a refusal as a failure, changing nothing', async () => {
    await enroll(vigil, admin, 502);
    const link = await invite(vigil, admin, 502);
    const started = await startConsent(vigil, link, { user: 'sim-1' });
    const state = new URL(started.callbackPath, 'http://x').searchParams.get('state')!;
    const failed = await finishConsent(vigil, {
      ...started,
      callbackPath: `/oauth/google/callback?error=server_error&state=${state}`,
    });
    expect(failed.status).toBe(502);
    expect((await patient(502)).body).toMatchObject({ status: 'invited', connection: null });
  });

  it('keeps no token, code or link in clear in the database or the logs', async () => {
    await enroll(vigil, admin, 401);
    const link = await invite(vigil, admin, 401);
    const started = await startConsent(vigil, link, { user: 'sim-6' });
    const done = await finishConsent(vigil, started);
    const connection = await connectionOf(401);
    const access = await tokens.accessToken(connection.id);
    const refresh = await dataSource.transaction((m) => tokens.refreshToken(m, connection));
    const callback = new URL(started.callbackPath, 'http://x');
    const secrets = [
      access,
      refresh!,
      link.split('/').pop()!,
      disconnectPath(done.text).split('/').pop()!,
      callback.searchParams.get('code')!,
      callback.searchParams.get('state')!,
      started.cookie.split('=')[1],
    ];
    const dump = await dumpDatabase(dataSource);
    expect(logs.text).toContain('/oauth/google/callback');
    expect(dump).toContain('google-health');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      expect(dump).not.toContain(secret);
      expect(logs.text).not.toContain(secret);
    }
  });

  it('requires a staff token, the right role and valid input', async () => {
    await request(url).get('/api/v1/patients').expect(401);
    await request(url).post('/api/v1/patients').send({ pid: 1 }).expect(401);
    await request(url).post('/api/v1/patients/1/invitations').expect(401);
    await request(url).delete('/api/v1/patients/1/connection').expect(401);
    const staff = await staffToken(vigil, 'staff');
    // Program changes, disconnect and end are clinical: refused to staff, a clean 404 for a
    // clinician when the patient is not enrolled.
    const clinician = await staffToken(vigil, 'clinician');
    const clinicalChanges = (token: string) =>
      Promise.all([
        request(url)
          .patch('/api/v1/patients/999999')
          .auth(token, { type: 'bearer' })
          .send({ program: 'x' }),
        request(url).delete('/api/v1/patients/999999').auth(token, { type: 'bearer' }),
        request(url).delete('/api/v1/patients/999999/connection').auth(token, { type: 'bearer' }),
      ]);
    expect((await clinicalChanges(staff)).map((r) => r.status)).toEqual([403, 403, 403]);
    expect((await clinicalChanges(clinician)).map((r) => r.status)).toEqual([404, 404, 404]);
    const bad = await request(url)
      .post('/api/v1/patients')
      .auth(staff, { type: 'bearer' })
      .send({ pid: 'abc', syncIntervalMinutes: 5, extra: 1 })
      .expect(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'extra',
      'pid',
      'syncIntervalMinutes',
    ]);
    await request(url).get('/api/v1/patients/abc').auth(staff, { type: 'bearer' }).expect(400);
    await request(url).get('/api/v1/patients/999').auth(staff, { type: 'bearer' }).expect(404);
  });
});

/** Every row of every table as text: what someone with a copy of the database would see. */
async function dumpDatabase(dataSource: DataSource): Promise<string> {
  const mysql = dataSource.options.type === 'mysql';
  const tables: { name: string }[] = await dataSource.query(
    mysql
      ? 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()'
      : "SELECT name FROM sqlite_master WHERE type = 'table'",
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    parts.push(
      JSON.stringify(
        await dataSource.query(`SELECT * FROM ${mysql ? `\`${name}\`` : `"${name}"`}`),
      ),
    );
  }
  return parts.join('\n');
}
