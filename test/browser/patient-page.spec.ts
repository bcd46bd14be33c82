import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { Enrollment } from '../../src/patients/enrollment.entity';
import { GOOGLE_HEALTH_SCOPES } from '../../src/wearables/google-health/scopes';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { dayWithoutData, type DailyAggregate } from '../../src/aggregates/daily-aggregate';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { addDays, zonedTimestamp } from '../../src/time';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { freshDatabase, TestDatabase } from '../support/databases';
import { describeInBrowser, launchBrowser, screenshot, signInTo } from '../support/browser';
import { activeEnrollment, syncedPatient } from '../support/monitored-patients';
import { createStaffUser, STAFF_PASSWORD } from '../support/staff';

const TODAY = new Date().toISOString().slice(0, 10);
const GAP = addDays(TODAY, -10);
/** The day the patient's zone changed (staff times are in the clinic's zone, America/Chicago). */
const ZONE_CHANGED = addDays(TODAY, -5);

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
      hrvRmssd: offset % 2 === 0 ? 40 : 41,
      wearMinutes: 900,
      coverage: { heartRateSamples: 1000, stepMinutes: 600, dataTypes: ['heart-rate', 'steps'] },
    });
  }
  await vigil.app.get(DailyAggregates).upsert(101, days);
  // Connected without sleep: the sleep rule can never fire for this patient.
  const dataSource = vigil.app.get(DataSource);
  const enrollment = await dataSource.getRepository(Enrollment).findOneByOrFail({ pid: 101 });
  await dataSource.getRepository(WearableConnection).save({
    enrollmentId: enrollment.id,
    provider: 'google-health',
    healthUserId: 'health-user-101',
    legacyUserId: null,
    grantedScopes: [GOOGLE_HEALTH_SCOPES.activity, GOOGLE_HEALTH_SCOPES.measurements].join(' '),
    refreshSecretId: null,
    accessSecretId: null,
    accessExpiresAt: null,
    refreshFailures: 0,
    refreshRetryAt: null,
    disconnectTokenHash: null,
    connectedAt: now,
    disconnectedAt: null,
    nextSyncAt: null,
    lastSyncAt: now,
    lastDeviceSyncAt: null,
  });
  // A reconnect five days ago moved the patient from Chicago's days to UTC's.
  await dataSource.getRepository(AuditEvent).insert({
    occurredAt: new Date(`${ZONE_CHANGED}T12:00:00Z`),
    actor: 'patient:101',
    action: 'consent.time_zone_changed',
    subjectType: 'enrollment',
    subjectId: String(enrollment.id),
    pid: 101,
    details: JSON.stringify({ from: 'America/Chicago', to: 'UTC' }),
  });
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
    db = await freshDatabase('sqlite', { CLINIC_TIME_ZONE: 'America/Chicago' });
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
      const [values, partial, lower, upper] = chart.data.datasets;
      const legend = chart.legend.legendItems.map((item) => item.text);
      return {
        labels: chart.data.labels as string[],
        values: values.data as (number | null)[],
        partial: partial.data as (number | null)[],
        spanGaps: (values as { spanGaps?: boolean }).spanGaps,
        lower: lower.data as (number | null)[],
        upper: upper.data as (number | null)[],
        pointsDrawn: chart.getDatasetMeta(0).data.filter((point) => !point.skip).length,
        legend,
        axes: [chart.options.scales.x.title.text, chart.options.scales.y.title.text],
        breaks: chart.options.plugins.changeBreaks.breaks.map((b) => b.date),
      };
    });
    expect(drawn.labels).toHaveLength(30);
    expect(drawn.values).toHaveLength(30);
    expect(drawn.values[drawn.labels.indexOf(GAP)]).toBeNull();
    // Today is still being measured: drawn on its own, hollow, never as the line's last point.
    expect(drawn.values[29]).toBeNull();
    expect(drawn.partial[29]).toBe(70);
    expect(drawn.partial.filter((v) => v !== null)).toHaveLength(1);
    expect(drawn.spanGaps).toBe(false);
    expect(drawn.pointsDrawn).toBe(28);
    expect(drawn.lower[29]).toBeLessThan(drawn.upper[29]!);
    // Labelled axes; what the plugins draw is in the legend; the zone change breaks the chart.
    expect(drawn.axes).toEqual(['Patient’s day (UTC)', 'resting heart rate (bpm)']);
    expect(drawn.legend).toEqual([
      'resting heart rate (bpm)',
      'Still being measured (partial day)',
      'Baseline band (mean ± 1 SD)',
      'Alert episode (shaded)',
      'Break: account, time zone or device changed',
    ]);
    expect(drawn.breaks).toEqual([ZONE_CHANGED]);

    // A flat HRV (40-41 ms) gets at least its 20 ms span, not a full-height zigzag.
    const hrvSpan = await page.evaluate(() => {
      const scale = Chart.getChart(document.getElementById('chart-hrvRmssd')!)!.scales.y;
      return scale.max - scale.min;
    });
    expect(hrvSpan).toBeGreaterThanOrEqual(20);

    // Staff times carry the clinic's zone; the patient's days theirs.
    const status = (await page.locator('#status-title + dl').textContent()) ?? '';
    expect(status).toMatch(/Last sync\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2} America\/Chicago/);
    const history = page.locator('section[aria-labelledby^="alert-"] tbody td').first();
    await expect(history.textContent()).resolves.toMatch(/America\/Chicago$/);
    // Consent truths for staff: the rule that can never fire, and the zone change.
    await expect(page.locator('#blind-rules').textContent()).resolves.toMatch(
      /Sleep deficit:\s*reads\s+sleep \(not granted\)/,
    );
    const changes = (await page.locator('#connection-changes').textContent()) ?? '';
    expect(changes.replace(/\s+/g, ' ')).toContain(
      `${zonedTimestamp(new Date(`${ZONE_CHANGED}T12:00:00Z`), 'America/Chicago')} ` +
        `(the patient’s day ${ZONE_CHANGED}): Time zone America/Chicago → UTC`,
    );

    await screenshot(page, 'patient-page');

    // The alert episode is listed with its transitions, and the table alternative holds the gap.
    await expect(page.locator('main').textContent()).resolves.toContain('pending → firing');
    await page.getByText('Resting heart rate: values as a table').click();
    const gapRow = page.locator('tr', { has: page.locator(`td:text-is("${GAP}")`) }).first();
    await expect(gapRow.textContent()).resolves.toContain('no data');
    expect(errors).toEqual([]);
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
        legend: { legendItems: { text: string }[] };
        options: {
          scales: { x: { title: { text: string } }; y: { title: { text: string } } };
          plugins: { changeBreaks: { breaks: { date: string }[] } };
        };
        scales: { y: { min: number; max: number } };
      }
    | undefined;
};
