import type { Browser } from 'playwright-core';
import { dayWithoutData, type DailyAggregate } from '../../src/aggregates/daily-aggregate';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { addDays } from '../../src/time';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { freshDatabase, TestDatabase } from '../support/databases';
import { describeInBrowser, launchBrowser, screenshot, signInTo } from '../support/browser';
import { activeEnrollment, syncedPatient } from '../support/monitored-patients';
import { createStaffUser, STAFF_PASSWORD } from '../support/staff';

const TODAY = new Date().toISOString().slice(0, 10);
const GAP = addDays(TODAY, -10);

/** Patient 101: resting HR near 60 with a day missing, then four days at 70 (an alert). */
async function seedPatient(vigil: VigilApp): Promise<void> {
  const now = new Date();
  await activeEnrollment(vigil, 101, now);
  const days: DailyAggregate[] = [];
  for (let offset = -63; offset <= 0; offset++) {
    if (addDays(TODAY, offset) === GAP) continue;
    days.push({
      ...dayWithoutData(addDays(TODAY, offset)),
      restingHrProvider: offset > -4 ? 70 : offset % 2 === 0 ? 59 : 61,
      steps: 4000 + (offset % 7) * 300,
      wearMinutes: 900,
      coverage: { heartRateSamples: 1000, stepMinutes: 600, dataTypes: ['heart-rate', 'steps'] },
    });
  }
  await vigil.app.get(DailyAggregates).upsert(101, days);
  await vigil.app.get(RuleEvaluations).evaluate([
    {
      patient: syncedPatient(101, now),
      dates: Array.from({ length: 8 }, (_, i) => addDays(TODAY, i - 7)),
    },
  ]);
}

describeInBrowser('the patient page, in Chromium', () => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let browser: Browser;

  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    await createStaffUser(vigil, 'nurse.kim', 'staff');
    await seedPatient(vigil);
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await vigil.shutdown('test finished');
    await db.drop();
  });

  it('draws the resting heart rate with its gap, baseline band and alert episode', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('response', (response) => {
      // The browser asks for a favicon Vigil does not have; any other failure counts.
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico'))
        errors.push(`${response.status()} ${response.url()}`);
    });
    await signInTo(page, vigil.url ?? '', '/patients/101?days=30', 'nurse.kim', STAFF_PASSWORD);
    await page.waitForFunction(() => {
      const canvas = document.getElementById('chart-restingHrProvider');
      return (
        typeof Chart !== 'undefined' && canvas !== null && Chart.getChart(canvas) !== undefined
      );
    });
    const drawn = await page.evaluate(() => {
      const chart = Chart.getChart(document.getElementById('chart-restingHrProvider')!)!;
      const [values, lower, upper] = chart.data.datasets;
      return {
        labels: chart.data.labels as string[],
        values: values.data as (number | null)[],
        spanGaps: (values as { spanGaps?: boolean }).spanGaps,
        lower: lower.data as (number | null)[],
        upper: upper.data as (number | null)[],
        pointsDrawn: chart.getDatasetMeta(0).data.filter((point) => !point.skip).length,
      };
    });
    expect(drawn.labels).toHaveLength(30);
    expect(drawn.values).toHaveLength(30);
    expect(drawn.values[drawn.labels.indexOf(GAP)]).toBeNull();
    expect(drawn.values[29]).toBe(70);
    expect(drawn.spanGaps).toBe(false);
    expect(drawn.pointsDrawn).toBe(29);
    expect(drawn.lower[29]).toBeLessThan(drawn.upper[29]!);

    // The alert episode is listed with its transitions, and the table alternative holds the gap.
    await expect(page.locator('main').textContent()).resolves.toContain('pending → firing');
    await page.getByText('Resting heart rate: values as a table').click();
    const gapRow = page.locator('tr', { has: page.locator(`td:text-is("${GAP}")`) }).first();
    await expect(gapRow.textContent()).resolves.toContain('no data');
    expect(errors).toEqual([]);
    await screenshot(page, 'patient-page');
  }, 60_000);

  it('answers a wrong address with a page naming the field, not raw JSON', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    await signInTo(page, vigil.url ?? '', '/patients/101?days=30', 'nurse.kim', STAFF_PASSWORD);
    const response = await page.goto(`${vigil.url}/patients/101?days=45`);
    expect(response?.status()).toBe(400);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'This address is not valid',
    );
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'days: days must be one of 30, 90, 180',
    );
    await screenshot(page, 'error-page');
    await page.goto(`${vigil.url}/rules/nope`);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('No rule with id nope');
  }, 60_000);
});

declare const Chart: {
  getChart(canvas: HTMLElement):
    | {
        data: { labels: unknown[]; datasets: { data: unknown[] }[] };
        getDatasetMeta(index: number): { data: { skip: boolean }[] };
      }
    | undefined;
};
