import request from 'supertest';
import { DataSource } from 'typeorm';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { SyncLeases } from '../../src/ingest/sync-leases';
import { Enrollment } from '../../src/patients/enrollment.entity';
import { MonitoredPatients } from '../../src/rules/monitored-patients';
import { SCOPES, startSimulator, type Simulator } from '../../src/simulator';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { consent, simulatorEnv } from '../support/consent';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';
import { hiddenCsrf, signedInStaff } from '../support/staff';

describe.each(testEngines())('the enrollments page on %s', (engine) => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let url: string;
  let dataSource: DataSource;
  let cookie: string;
  let csrf: string;

  const post = (path: string, form: Record<string, string> = {}) =>
    request(url)
      .post(path)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf, ...form });
  /** Disconnecting and ending monitoring are clinical decisions: a clinician's session. */
  const clinical = { cookie: '', csrf: '' };
  const clinicalPost = (path: string) =>
    request(url)
      .post(path)
      .set('Cookie', clinical.cookie)
      .type('form')
      .send({ _csrf: clinical.csrf });

  const list = async (query = ''): Promise<string> =>
    (await request(url).get(`/enrollments${query}`).set('Cookie', cookie).expect(200)).text;

  /** The table row of one patient. */
  const row = (page: string, pid: number): string =>
    new RegExp(`<tr id="patient-${pid}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';

  const statusOf = async (pid: number): Promise<string> =>
    (await dataSource.getRepository(Enrollment).findOneByOrFail({ pid })).status;

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 3 });
    // ROLE=api: no ingestion workers, so only these tests claim syncs.
    db = await freshDatabase(engine, { ...simulatorEnv(sim), ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    url = vigil.url!;
    dataSource = vigil.app.get(DataSource);
    cookie = await signedInStaff(vigil, 'frontdesk.pat');
    csrf = hiddenCsrf(await list());
    clinical.cookie = await signedInStaff(vigil, 'dr.rivera', 'clinician');
    clinical.csrf = hiddenCsrf(
      (await request(url).get('/enrollments').set('Cookie', clinical.cookie).expect(200)).text,
    );
  }, 60_000);

  afterAll(async () => {
    await vigil?.shutdown('test finished');
    await sim?.close();
    await db?.drop();
  });

  it('enrolls a patient from the form, and says what is wrong with a bad one', async () => {
    const res = await post('/enrollments', { pid: '12', program: 'heart-failure' }).expect(303);
    expect(res.headers.location).toBe('/enrollments?done=enrolled&pid=12#patient-12');
    const page = await list('?done=enrolled&pid=12');
    expect(page).toContain('<p class="box" role="status">Patient 12 is enrolled.');
    expect(row(page, 12)).toContain('<strong>invited</strong>');
    expect(row(page, 12)).toContain('heart-failure');
    expect(row(page, 12)).toContain('href="/patients/12"');
    expect(row(page, 12)).toContain('>\n        Invite<');

    const bad = await post('/enrollments', { pid: 'twelve', syncIntervalMinutes: '5' }).expect(400);
    expect(bad.text).toContain('pid must be a whole number');
    expect(bad.text).toContain('syncIntervalMinutes must be at least 15');
    expect(bad.text).toContain('value="twelve"');

    const twice = await post('/enrollments', { pid: '12' }).expect(409);
    expect(twice.text).toContain(
      'role="alert"><strong>Refused:</strong> Patient 12 is already enrolled (status invited)',
    );

    await request(url)
      .post('/enrollments')
      .set('Cookie', cookie)
      .type('form')
      .send({ pid: '13' })
      .expect(403);
    expect(await dataSource.getRepository(Enrollment).countBy({ pid: 13 })).toBe(0);
  });

  it('invites with a printable link and QR code that the patient can use', async () => {
    const res = await post('/enrollments/12/invitation').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const link = /<span id="invitation-link">([^<]+)<\/span>/.exec(res.text)?.[1] ?? '';
    expect(link).toMatch(/^http:\/\/localhost:3000\/connect\/[A-Za-z0-9_-]{43}$/);
    expect(res.text).toMatch(/<svg role="img" aria-label="QR code of the invitation link[^"]*"/);
    expect(res.text).toContain('<path');
    expect(res.text).toContain('It was not sent anywhere');

    const page = await list();
    expect(row(page, 12)).toContain('open until');
    expect(row(page, 12)).toContain('Re-invite');

    const connected = await consent(vigil, new URL(link).pathname, { user: 'sim-2' });
    expect(connected.text).toContain('You are connected');
    const after = row(await list(), 12);
    expect(after).toContain('<strong>active</strong>');
    expect(after).toContain('activity, measurements, sleep');
    expect(after).toContain('used ');
    // Staff are not offered what would answer 403; a clinician is.
    expect(after).not.toContain('/enrollments/12/disconnect');
    expect(after).not.toContain('/enrollments/12/end');
    const clinicianRow = row(
      (await request(url).get('/enrollments').set('Cookie', clinical.cookie).expect(200)).text,
      12,
    );
    expect(clinicianRow).toContain('/enrollments/12/disconnect');
    expect(clinicianRow).toContain('/enrollments/12/end');
    // Re-inviting a connected patient is a second step that says what will happen.
    expect(after).toMatch(/<details>\s*<summary>Re-invite…/);
    expect(after).toContain('the connection stays until the patient uses the new link');
  });

  it('pauses: a paused patient is neither synced nor evaluated, until resumed', async () => {
    await post('/enrollments/12/pause').expect(303);
    expect(await statusOf(12)).toBe('paused');
    expect(row(await list(), 12)).toContain('<strong>paused</strong>');
    const leases = vigil.app.get(SyncLeases);
    expect(await leases.claimDue(10, new Date(Date.now() + 86_400_000))).toEqual([]);
    const monitored = await vigil.app.get(MonitoredPatients).activePatients();
    expect(monitored.map((p) => p.pid)).not.toContain(12);

    expect(row(await list(), 12)).toContain('/enrollments/12/resume');
    await post('/enrollments/12/resume').expect(303);
    expect(await statusOf(12)).toBe('active');
    const claims = await leases.claimDue(10, new Date(Date.now() + 86_400_000));
    expect(claims).toHaveLength(1);
    await leases.release(claims.map((c) => c.connectionId));
  });

  it('disconnects: tokens erased, shown as disconnected, nothing left to disconnect', async () => {
    await post('/enrollments/12/disconnect').expect(403);
    const res = await clinicalPost('/enrollments/12/disconnect').expect(303);
    expect(res.headers.location).toBe('/enrollments?done=disconnected&pid=12#patient-12');
    const connection = await dataSource
      .getRepository(WearableConnection)
      .findOneByOrFail({ healthUserId: sim.cohort.user('sim-2')!.healthUserId });
    expect(connection.refreshSecretId).toBeNull();
    expect(connection.disconnectedAt).not.toBeNull();
    const page = await list();
    expect(row(page, 12)).toContain('<strong>disconnected</strong>');
    expect(row(page, 12)).not.toContain('/enrollments/12/disconnect');

    const again = await clinicalPost('/enrollments/12/disconnect').expect(409);
    expect(again.text).toContain('Patient 12 has no wearable connection to disconnect');
  });

  it('ends monitoring, after which the patient can only be enrolled again', async () => {
    await post('/enrollments/12/end').expect(403);
    await clinicalPost('/enrollments/12/end').expect(303);
    expect(await statusOf(12)).toBe('ended');
    const ended = row(await list('?status=ended'), 12);
    expect(ended).toContain('<strong>ended</strong>');
    expect(ended).toContain('Enroll again');
    expect(ended).not.toContain('/enrollments/12/invitation');
    expect(await list('?status=active')).not.toContain('id="patient-12"');

    const invite = await post('/enrollments/12/invitation').expect(409);
    expect(invite.text).toContain('enroll the patient again first');
    const bad = await request(url)
      .get('/enrollments?status=sleeping')
      .set('Cookie', cookie)
      .expect(400);
    expect(bad.text).toContain(
      'status must be one of invited, active, needs_reconsent, paused, disconnected, ended',
    );
    const api = await request(url)
      .get('/api/v1/patients?status=sleeping')
      .set('Cookie', cookie)
      .expect(400);
    expect(api.body.errors).toEqual([
      {
        path: 'status',
        message:
          'status must be one of invited, active, needs_reconsent, paused, disconnected, ended',
      },
    ]);
  });

  it('shows staff that a reconnect brought another Google account', async () => {
    await post('/enrollments', { pid: '14' }).expect(303);
    const linkOf = (page: string) =>
      new URL(/<span id="invitation-link">([^<]+)<\/span>/.exec(page)![1]).pathname;
    await consent(vigil, linkOf((await post('/enrollments/14/invitation').expect(200)).text), {
      user: 'sim-1',
    });
    expect(row(await list(), 14)).not.toContain('connection-change');
    await consent(vigil, linkOf((await post('/enrollments/14/invitation').expect(200)).text), {
      user: 'sim-3',
    });
    const shown = row(await list(), 14);
    expect(shown).toContain('class="warning connection-change"');
    expect(shown).toContain('Another Google account connected');
  });

  it('names the rules that cannot fire for a connected patient who shared only some data', async () => {
    await post('/enrollments', { pid: '15' }).expect(303);
    const link = new URL(
      /<span id="invitation-link">([^<]+)<\/span>/.exec(
        (await post('/enrollments/15/invitation').expect(200)).text,
      )![1],
    ).pathname;
    await consent(vigil, link, { user: 'sim-2', scopes: [SCOPES.activity] });
    const shown = row(await list(), 15);
    expect(shown).toContain('class="warning blind-rule"');
    expect(shown).toContain('Cannot fire: Sleep deficit, reads sleep (not granted)');
    // Not before consent: an invited patient's row names no rule.
    await post('/enrollments', { pid: '16' }).expect(303);
    expect(row(await list(), 16)).not.toContain('blind-rule');
  });

  it('filters by status as staff read it: disconnected apart from paused by staff', async () => {
    await post('/enrollments/14/pause').expect(303); // still connected: paused by staff
    await clinicalPost('/enrollments/15/disconnect').expect(303); // the connection is gone
    const pids = (page: string) => [...page.matchAll(/<tr id="patient-(\d+)"/g)].map((m) => m[1]);
    const disconnected = await list('?status=disconnected');
    expect(disconnected).toMatch(/<option\s+value="disconnected"\s+selected\s*>/);
    expect(pids(disconnected)).toEqual(['15']);
    expect(row(disconnected, 15)).toContain('<strong>disconnected</strong>');
    // Paused is the stored status of both, and lists both.
    const paused = await list('?status=paused');
    expect(pids(paused)).toEqual(['14', '15']);
    expect(paused).toContain(
      'Enrollments with status &#34;paused&#34; (disconnected ones included)',
    );
    const api = async (status: string) =>
      (
        await request(url)
          .get(`/api/v1/patients?status=${status}`)
          .set('Cookie', cookie)
          .expect(200)
      ).body.map((e: { pid: number; status: string }) => [e.pid, e.status]);
    await expect(api('disconnected')).resolves.toEqual([[15, 'paused']]);
    await expect(api('paused')).resolves.toEqual([
      [14, 'paused'],
      [15, 'paused'],
    ]);
  });
});
