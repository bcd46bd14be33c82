import request from 'supertest';
import { AlertService } from '../../src/alerts/alert-service';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { Enrollments } from '../../src/patients/enrollments';
import { NO_OPENEMR } from '../../src/patients/patient-identities';
import { LOW_SPO2 } from '../support/alert-rules';
import { staffToken } from '../support/consent';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';
import { freshOpenEmr, type TestOpenEmr } from '../support/openemr';
import { signedInStaff } from '../support/staff';

/** Names and birth dates of the stand-in patients these tests enroll; none may leak out of staff views. */
const PHI = ['Maria', 'Garcia', '1956-03-14', 'Wei', 'Chen', '1963-01-30'];

describe.each(testEngines())('who the patient is, from OpenEMR, on %s', (engine) => {
  let openemr: TestOpenEmr;
  let db: TestDatabase;
  let vigil: VigilApp;
  let token: string;
  let cookie: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    openemr = await freshOpenEmr('sqlite');
    db = await freshDatabase(engine, {
      ROLE: 'api',
      OPENEMR_DATABASE_URL: openemr.url,
      ALERT_FALLBACK_RECIPIENTS: 'admin',
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: logs.write });
    token = await staffToken(vigil, 'staff');
    cookie = await signedInStaff(vigil, 'nurse.kim');
    await vigil.app.get(Enrollments).enroll({ pid: 1 }, 'test');
    await vigil.app.get(Enrollments).enroll({ pid: 4 }, 'test');
    const at = new Date(Date.now() - 3_600_000);
    await vigil.app.get(AlertService).applyEvaluation({
      pid: 1,
      date: at.toISOString().slice(0, 10),
      at,
      outcomes: [
        { rule: LOW_SPO2, ruleVersion: 1, result: 'true', facts: {}, message: 'SpO2 90.5%' },
      ],
    });
    for (let i = 0; i < 3; i += 1) await vigil.app.get(Dispatcher).dispatchDue();
  }, 60_000);

  afterAll(async () => {
    await vigil?.shutdown('test finished');
    await db?.drop();
    await openemr?.drop();
  });

  const api = (path: string) => request(vigil.url!).get(path).auth(token, { type: 'bearer' });
  const page = (path: string) => request(vigil.url!).get(path).set('Cookie', cookie).expect(200);
  const MARIA = { pid: 1, name: 'Maria Garcia', dateOfBirth: '1956-03-14', chartNumber: '1001' };

  it('names the patient in the alerts and enrollments API responses', async () => {
    const alerts = (await api('/api/v1/alerts').expect(200)).body as { patient: unknown }[];
    expect(alerts.map((a) => a.patient)).toEqual([{ ...MARIA, problem: null }]);
    const one = await api(`/api/v1/alerts/${(alerts[0] as unknown as { id: string }).id}`);
    expect(one.body.patient).toMatchObject(MARIA);
    const patients = (await api('/api/v1/patients').expect(200)).body as { patient: unknown }[];
    expect(patients.map((p) => p.patient)).toEqual(
      expect.arrayContaining([
        { ...MARIA, problem: null },
        { pid: 4, name: 'Wei Chen', dateOfBirth: '1963-01-30', chartNumber: '1004', problem: null },
      ]),
    );
    expect((await api('/api/v1/patients/4').expect(200)).body.patient.name).toBe('Wei Chen');
  });

  it('names each patient of a backtest, as the rule editor lists them', async () => {
    const clinician = await staffToken(vigil, 'clinician');
    const today = new Date().toISOString().slice(0, 10);
    const res = await request(vigil.url!)
      .post('/api/v1/rules/resting-hr-rise/backtest')
      .auth(clinician, { type: 'bearer' })
      .send({ pid: 4, from: today, to: today })
      .expect(200);
    expect(res.body.patients.map((p: { patient: unknown }) => p.patient)).toEqual([
      { pid: 4, name: 'Wei Chen', dateOfBirth: '1963-01-30', chartNumber: '1004', problem: null },
    ]);
  });

  it('names the patient on the inbox, alert, patient and enrollments pages', async () => {
    for (const path of ['/alerts', '/enrollments', '/patients/1']) {
      const text = (await page(path)).text;
      expect(text).toContain('Maria Garcia');
      expect(text).toContain('born 1956-03-14');
      expect(text).toContain('chart 1001');
    }
    expect((await page('/patients/4')).text).toContain(
      '<title>Wei Chen, born 1963-01-30, chart 1004, pid 4 · Vigil</title>',
    );
  });

  it('keeps names out of the logs and the OpenEMR message title', async () => {
    const titles = await openemr.db.run((sql) =>
      sql.select<{ title: string }>('SELECT title FROM pnotes'),
    );
    expect(titles.length).toBeGreaterThan(0);
    for (const word of PHI) {
      expect(logs.text).not.toContain(word);
      for (const { title } of titles) expect(title).not.toContain(word);
    }
  });
});

describe('who the patient is, without OpenEMR', () => {
  let db: TestDatabase;
  let vigil: VigilApp;

  beforeAll(async () => {
    db = await freshDatabase('sqlite', { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    await vigil.app.get(Enrollments).enroll({ pid: 7 }, 'test');
  }, 60_000);
  afterAll(async () => {
    await vigil?.shutdown('test finished');
    await db?.drop();
  });

  it('says that the name cannot be read, on pages and in the API, instead of a blank', async () => {
    const cookie = await signedInStaff(vigil, 'nurse.kim');
    const text = (await request(vigil.url!).get('/enrollments').set('Cookie', cookie).expect(200))
      .text;
    expect(text).toContain(`(${NO_OPENEMR})`);
    const token = await staffToken(vigil, 'staff');
    const body = (
      await request(vigil.url!).get('/api/v1/patients/7').auth(token, { type: 'bearer' })
    ).body;
    expect(body.patient).toEqual({
      pid: 7,
      name: null,
      dateOfBirth: null,
      chartNumber: null,
      problem: NO_OPENEMR,
    });
  });
});
