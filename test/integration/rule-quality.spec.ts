import request from 'supertest';
import { DataSource } from 'typeorm';
import { StoredAlert } from '../../src/alerts/alert.entity';
import { ApiTokens } from '../../src/auth/api-tokens';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { addDays } from '../../src/time';
import { replayDailyRun } from '../support/daily-run';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';
import { signedInStaff } from '../support/staff';

const RULE = 'resting-hr-rise';
const START = '2026-10-01';

describe.each(testEngines())('rule quality on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let staff: string;
  let version: number;

  beforeAll(async () => {
    db = await freshDatabase(engine, { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    staff = (await vigil.app.get(ApiTokens).issue('staff', 'front.desk', 'test')).token;
    version = (await api(`/api/v1/rules/${RULE}`).expect(200)).body.version;
  });
  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  const api = (path: string) =>
    request(vigil.url ?? '')
      .get(path)
      .auth(staff, { type: 'bearer' });

  /** Evaluates `pattern` (t/f/-) for a patient from START, one day at a time as the daily run does. */
  const live = (pid: number, pattern: string, from = 0) =>
    replayDailyRun(vigil, { pid, ruleId: RULE, ruleVersion: version, start: START }, pattern, from);

  it('reports alert and condition days, acknowledgement, self-resolved and stale alerts', async () => {
    // Patient 21: the rise holds three days and clears by itself (resolveAfterDays 3).
    await live(21, 'fttt' + 'ffff' + 'ffff' + 'ffffffffffffffffff');
    // Patient 22: the rise holds; staff acknowledge at once; then the data stops (stale after 3).
    await live(22, 'ft', 0);
    const alert = await vigil.app
      .get(DataSource)
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 22, ruleId: RULE });
    await request(vigil.url ?? '')
      .post(`/api/v1/alerts/${alert.id}/acknowledge`)
      .auth(staff, { type: 'bearer' })
      .send({ note: 'called the patient' })
      .expect(200);
    await live(22, 'fttt---' + '-'.repeat(23), 2);
    // Patient 23: never any data; the rule never judged them.
    await live(23, '-'.repeat(30));

    const res = await api(
      `/api/v1/rules/${RULE}/quality?from=${START}&to=${addDays(START, 29)}`,
    ).expect(200);
    expect(res.body).toEqual({
      rule: { id: RULE, title: expect.any(String), version, severity: 'warning' },
      outcomesKeptFrom: START,
      from: START,
      to: addDays(START, 29),
      acknowledgeWithinHours: 24,
      patients: 2,
      patientMonths: 2, // 30 + 30 judged-from-day-one days
      // 21: 10-02 to 10-06 (fired on the first true day, resolved on the third false day);
      // 22: 10-02 to 10-04, then no data.
      alertDays: 8,
      alertDaysPerPatientMonth: 4,
      conditionDays: 6,
      conditionDaysPerPatientMonth: 3,
      alertsTold: 2,
      // Both were told moments ago (firedAt is the real instant of the replayed evaluation):
      // 22 was acknowledged, 21 still has its 24 hours, so it is not counted late yet.
      alertsDue: 1,
      acknowledgedInTime: 1,
      shareAcknowledgedInTime: 1,
      medianHoursToAcknowledge: expect.any(Number),
      resolvedWithoutStaffAction: 1,
      shareResolvedWithoutStaffAction: 0.5,
      wentStale: 1,
      shareWentStale: 0.5,
    });
    expect(res.body.medianHoursToAcknowledge).toBeLessThan(0.1);

    // A period before any history: nothing to say, said as such.
    const empty = await api(`/api/v1/rules/${RULE}/quality?from=2026-01-01&to=2026-01-31`);
    expect(empty.body).toMatchObject({
      patients: 0,
      alertDaysPerPatientMonth: null,
      alertsTold: 0,
      shareAcknowledgedInTime: null,
    });
  });

  it('compares the alert rate with a published study in plain words, citing it in a footnote', async () => {
    const cookie = await signedInStaff(vigil, 'quality.reader');
    const page = async (rule: string) =>
      (
        await request(vigil.url ?? '')
          .get(`/rules/${rule}/quality`)
          .set('Cookie', cookie)
          .expect(200)
      ).text;
    const figures = (html: string) => /<div class="figures">[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
    const resting = await page(RULE);
    expect(figures(resting)).toContain(
      'For comparison, a published study of smartwatch alerts on a rising resting heart rate saw about 1.15 alert days per person over the whole study (not per month) outside infections.',
    );
    expect(figures(resting)).toContain('<a href="#source-1"');
    expect(figures(resting)).not.toContain('NightSignal');
    expect(resting).toMatch(/<li id="source-1">The NightSignal algorithm: Alavi A\. et al\./);
    // A rule no study measured: no comparison at all (not resting heart rate's).
    const sleep = await page('sleep-deficit');
    expect(sleep).not.toContain('published study');
    expect(sleep).not.toContain('NightSignal');
  });

  it('refuses an unknown rule and a bad period, naming the field', async () => {
    expect((await api('/api/v1/rules/no-such-rule/quality').expect(404)).body.message).toBe(
      'No rule with id no-such-rule',
    );
    const month = await api(`/api/v1/rules/${RULE}/quality?from=2026-13-01`).expect(400);
    expect(month.body.errors).toEqual([
      {
        path: 'from',
        message: 'from must be a calendar date written YYYY-MM-DD, not "2026-13-01"',
      },
    ]);
    const backwards = await api(`/api/v1/rules/${RULE}/quality?from=2026-10-02&to=2026-10-01`);
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0].path).toBe('to');
    const long = await api(`/api/v1/rules/${RULE}/quality?from=2025-01-01&to=2026-10-01`);
    expect(long.status).toBe(400);
    expect(long.body.errors[0].message).toMatch(/at most 366/);
    // With no period: the last 90 days to today.
    const recent = await api(`/api/v1/rules/${RULE}/quality`).expect(200);
    expect(recent.body.to).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
