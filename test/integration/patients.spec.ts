import request from 'supertest';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { startSimulator, Simulator } from '../../src/simulator';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { consent, simulatorEnv, staffToken } from '../support/consent';
import { freshOpenEmr, TestOpenEmr } from '../support/openemr';
import { TestSmtpServer } from '../support/smtp';

describe.each(testEngines())('enrollment with OpenEMR and mail configured, on %s', (engine) => {
  let sim: Simulator;
  let openemr: TestOpenEmr;
  const smtp = new TestSmtpServer();
  let db: TestDatabase;
  let vigil: VigilApp;
  let url: string;
  let admin: string;

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 2 });
    openemr = await freshOpenEmr('sqlite');
    await smtp.start();
    db = await freshDatabase(engine, {
      ...simulatorEnv(sim),
      ROLE: 'api',
      OPENEMR_DATABASE_URL: openemr.url,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Riverside <vigil@riverside.test>',
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    url = vigil.url ?? '';
    admin = await staffToken(vigil);
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await smtp.stop();
    await openemr.drop();
    await sim.close();
    await db.drop();
  });

  const api = () => ({
    post: (path: string) => request(url).post(path).auth(admin, { type: 'bearer' }),
    get: (path: string) => request(url).get(path).auth(admin, { type: 'bearer' }),
  });

  it('refuses a pid OpenEMR does not know, with a clear 404', async () => {
    const res = await api().post('/api/v1/patients').send({ pid: 999 }).expect(404);
    expect(res.body.message).toBe('OpenEMR has no patient with pid 999');
    await api().get('/api/v1/patients/999').expect(404);
  });

  it('delivers the invitation to the portal inbox and by email, and always returns it', async () => {
    const enrolled = await api()
      .post('/api/v1/patients')
      .send({ pid: 1, program: 'heart-failure', syncIntervalMinutes: 120 })
      .expect(201);
    expect(enrolled.body).toMatchObject({
      pid: 1,
      status: 'invited',
      program: 'heart-failure',
      syncIntervalMinutes: 120,
    });
    await api().post('/api/v1/patients').send({ pid: 1 }).expect(409);

    const invited = await api().post('/api/v1/patients/1/invitations').expect(201);
    expect(invited.body.delivered).toEqual({ portal: true, email: true });
    const link = invited.body.url as string;
    expect(link).toMatch(/\/connect\/[A-Za-z0-9_-]{43}$/);
    const days = (new Date(invited.body.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);

    const inbox = await openemr.db.run((sql) =>
      sql.select<{ owner: string; title: string; body: string }>(
        "SELECT owner, title, body FROM onsite_mail WHERE owner = 'mgarcia'",
      ),
    );
    expect(inbox).toHaveLength(1);
    expect(inbox[0].title).toBe('Riverside Cardiology: connect your Fitbit');
    expect(inbox[0].body).toContain(link);

    const mail = smtp.received.find((m) => m.to.includes('maria.garcia@example.org'));
    expect(mail?.text).toContain(link);
    expect(mail?.text).not.toMatch(/Garcia|Maria|heart/i);

    // After consent the patient is emailed the disconnect link.
    const done = await consent(vigil, new URL(link).pathname);
    expect(done.status).toBe(200);
    const confirmation = smtp.received.find((m) => m.subject.includes('your Fitbit is connected'));
    expect(confirmation?.text).toMatch(/\/disconnect\/[A-Za-z0-9_-]{43}/);
  });

  it('still hands staff the link when the patient has neither portal account nor email', async () => {
    await api().post('/api/v1/patients').send({ pid: 4 }).expect(201);
    const invited = await api().post('/api/v1/patients/4/invitations').expect(201);
    expect(invited.body.delivered).toEqual({ portal: false, email: false });
    await request(url).get(new URL(invited.body.url).pathname).expect(200);
  });

  it('lists enrollments, filters by status, and lets clinicians pause and resume', async () => {
    const all = await api().get('/api/v1/patients').expect(200);
    expect(all.body.map((p: { pid: number }) => p.pid)).toEqual([1, 4]);
    const active = await api().get('/api/v1/patients?status=active').expect(200);
    expect(active.body.map((p: { pid: number }) => p.pid)).toEqual([1]);
    await api().get('/api/v1/patients?status=sleeping').expect(400);

    const patch = (body: object) =>
      request(url).patch('/api/v1/patients/1').auth(admin, { type: 'bearer' }).send(body);
    const paused = await patch({ status: 'paused', syncIntervalMinutes: 60 }).expect(200);
    expect(paused.body).toMatchObject({
      status: 'paused',
      syncIntervalMinutes: 60,
      connection: { nextSyncAt: null },
    });
    const resumed = await patch({ status: 'active' }).expect(200);
    expect(resumed.body.connection.nextSyncAt).not.toBeNull();
    await request(url)
      .patch('/api/v1/patients/4')
      .auth(admin, { type: 'bearer' })
      .send({ status: 'active' })
      .expect(409);
    await patch({ syncIntervalMinutes: 5 }).expect(400);
  });
});
