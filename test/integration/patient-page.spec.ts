import request from 'supertest';
import { dayWithoutData, type DailyAggregate } from '../../src/aggregates/daily-aggregate';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { addDays } from '../../src/time';
import { ApiTokens } from '../../src/auth/api-tokens';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { activeEnrollment, syncedPatient } from '../support/monitored-patients';

const TODAY = new Date().toISOString().slice(0, 10);
const day = (offset: number, metrics: Partial<DailyAggregate>): DailyAggregate => ({
  ...dayWithoutData(addDays(TODAY, offset)),
  wearMinutes: 900,
  coverage: { heartRateSamples: 1000, stepMinutes: 600, dataTypes: ['heart-rate'] },
  ...metrics,
});

/**
 * Patient 101: 60 days of resting HR near 60 then four days at 70 (a rise the
 * starter rule alerts on), with no row 10 days ago. Patient 202: low SpO2 with
 * values no other patient has (97.25 bpm, 88.5%).
 */
async function seed(vigil: VigilApp): Promise<void> {
  const now = new Date();
  for (const pid of [101, 202]) await activeEnrollment(vigil, pid, now);
  const aggregates = vigil.app.get(DailyAggregates);
  const first: DailyAggregate[] = [];
  for (let offset = -63; offset <= 0; offset++) {
    if (offset === -10) continue;
    first.push(
      day(offset, {
        restingHrProvider: offset > -4 ? 70 : offset % 2 === 0 ? 59 : 61,
        steps: 5000,
      }),
    );
  }
  await aggregates.upsert(101, first);
  await aggregates.upsert(
    202,
    Array.from({ length: 20 }, (_, i) =>
      day(i - 19, { restingHrProvider: 97.25, spo2Average: 88.5 }),
    ),
  );
  const dates = Array.from({ length: 8 }, (_, i) => addDays(TODAY, i - 7));
  await vigil.app.get(RuleEvaluations).evaluate([
    { patient: syncedPatient(101, now), dates },
    { patient: syncedPatient(202, now), dates },
  ]);
}

describe.each(testEngines())('patient page on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let staff: string;
  const api = () => request(vigil.url ?? '');

  beforeAll(async () => {
    db = await freshDatabase(engine);
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    staff = (await vigil.app.get(ApiTokens).issue('staff', 'front desk', 'test')).token;
    await seed(vigil);
  }, 60_000);
  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  const chartData = (page: string) =>
    JSON.parse(
      /<script type="application\/json" id="patient-charts-data">(.*?)<\/script>/s.exec(page)![1],
    ) as {
      charts: {
        metric: string;
        dates: string[];
        values: (number | null)[];
        baseline: { lower: (number | null)[] };
        thresholds: { value: number }[];
        episodes: { rule: string; from: string; to: string }[];
      }[];
    };

  it("renders a patient's charts, status and alert history, and nobody else's", async () => {
    const res = await api()
      .get('/patients/101?days=30')
      .auth(staff, { type: 'bearer' })
      .expect(200)
      .expect('Content-Type', /html/);
    expect(res.text).toContain(
      '<title>Patient 101 (name not available: OpenEMR is not configured) · Vigil</title>',
    );
    expect(res.text).toContain('src="/assets/patient-charts.js"');
    expect(res.text).not.toMatch(/<script>(?!<)/); // no inline script the CSP would refuse

    const { charts } = chartData(res.text);
    const hr = charts.find((c) => c.metric === 'restingHrProvider')!;
    expect(hr.dates).toHaveLength(30);
    expect(hr.dates[29]).toBe(TODAY);
    expect(hr.values[29]).toBe(70);
    expect(hr.values[hr.dates.indexOf(addDays(TODAY, -10))]).toBeNull(); // a gap, not zero
    expect(hr.baseline.lower[29]).toEqual(expect.any(Number));
    expect(hr.episodes).toEqual([expect.objectContaining({ rule: 'resting-hr-rise', to: TODAY })]);
    const spo2 = charts.find((c) => c.metric === 'spo2Average')!;
    expect(spo2.thresholds.map((t) => t.value)).toEqual([92]);
    expect(spo2.values.every((v) => v === null)).toBe(true);

    expect(res.text).toContain('Sustained resting heart rate rise');
    expect(res.text).toMatch(/new → (pending|firing)/);
    expect(res.text).toContain('evaluation');
    expect(res.text).toContain('worn 29 of 30 days');
    // Patient 202's values and alert stay on 202's page.
    expect(res.text).not.toContain('97.25');
    expect(res.text).not.toContain('88.5');
    expect(res.text).not.toContain('Nightly SpO2');

    const other = await api().get('/patients/202').auth(staff, { type: 'bearer' }).expect(200);
    expect(other.text).toContain('Nightly SpO2 88.5%');
    expect(other.text).not.toContain('Resting heart rate 70 bpm');
  });

  it('describes each chart for screen readers and tabulates its values', async () => {
    const res = await api().get('/patients/101?days=30').auth(staff, { type: 'bearer' });
    expect(res.text).toMatch(
      /<canvas\s+id="chart-restingHrProvider"[^>]*role="img"[^>]*aria-label="Resting heart rate from [^"]*29 of 30 days with data; latest 70 bpm/,
    );
    expect(res.text).toContain('<summary>Resting heart rate: values as a table</summary>');
    expect(res.text).toContain(`<td>${addDays(TODAY, -10)}</td>`);
  });

  it('refuses a range it does not offer, and a patient Vigil does not monitor', async () => {
    const bad = await api()
      .get('/patients/101?days=45')
      .auth(staff, { type: 'bearer' })
      .expect(400);
    expect(bad.body.errors).toEqual([{ path: 'days', message: 'days must be one of 30, 90, 180' }]);
    const missing = await api().get('/patients/303').auth(staff, { type: 'bearer' }).expect(404);
    expect(missing.text).toContain('Vigil does not monitor patient 303');
  });

  it('sends a signed-out browser to sign in', async () => {
    const res = await api().get('/patients/101').set('Accept', 'text/html').redirects(0);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fpatients%2F101');
  });

  describe('aggregates API', () => {
    const get = (pid: number, query: string) =>
      api().get(`/api/v1/patients/${pid}/aggregates${query}`).auth(staff, { type: 'bearer' });

    it("returns one patient's stored days in the range, leaving out days without data", async () => {
      const from = addDays(TODAY, -12);
      const res = await get(101, `?from=${from}&to=${TODAY}`).expect(200);
      expect(res.body).toMatchObject({ pid: 101, from, to: TODAY });
      expect(res.body.days).toHaveLength(12);
      expect(res.body.days.map((d: DailyAggregate) => d.date)).not.toContain(addDays(TODAY, -10));
      expect(res.body.days.every((d: DailyAggregate) => d.restingHrProvider !== 97.25)).toBe(true);
    });

    it('validates the dates and caps the range, naming the field', async () => {
      const problems = async (query: string) => (await get(101, query).expect(400)).body.errors;
      await expect(problems('')).resolves.toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'from' }),
          expect.objectContaining({ path: 'to' }),
        ]),
      );
      await expect(problems('?from=2026-02-30&to=2026-03-01')).resolves.toEqual([
        {
          path: 'from',
          message: 'from must be a calendar date written YYYY-MM-DD, not "2026-02-30"',
        },
      ]);
      // Once a 500: a month 13 is a wrong field, not a server error.
      await expect(problems('?from=2026-13-45&to=2026-03-01')).resolves.toEqual([
        {
          path: 'from',
          message: 'from must be a calendar date written YYYY-MM-DD, not "2026-13-45"',
        },
      ]);
      await expect(problems('?from=2026-03-02&to=2026-03-01')).resolves.toEqual([
        { path: 'to', message: 'to (2026-03-01) must not be before from (2026-03-02)' },
      ]);
      await expect(problems('?from=2025-01-01&to=2026-03-01')).resolves.toEqual([
        { path: 'to', message: 'from 2025-01-01 to 2026-03-01 is 425 days; at most 366 at once' },
      ]);
      await expect(
        api()
          .get('/api/v1/patients/abc/aggregates?from=2026-01-01&to=2026-01-02')
          .auth(staff, { type: 'bearer' })
          .expect(400),
      ).resolves.toMatchObject({
        body: {
          errors: [
            { path: 'pid', message: 'pid must be a whole number from 1 to 9007199254740991' },
          ],
        },
      });
      await expect(problems('?from=2026-01-01&to=2026-03-01&pid=202')).resolves.toEqual([
        expect.objectContaining({ path: 'pid' }),
      ]);
      await get(303, `?from=${TODAY}&to=${TODAY}`).expect(404);
    });
  });
});
