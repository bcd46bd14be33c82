import type { Browser, Page } from 'playwright-core';
import { dayWithoutData, type DailyAggregate } from '../../src/aggregates/daily-aggregate';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { addDays, localDateAt } from '../../src/time';
import { Environment } from '../../src/config/environment';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { freshDatabase, TestDatabase } from '../support/databases';
import {
  describeInBrowser,
  docsScreenshot,
  launchBrowser,
  screenshot,
  signInTo,
} from '../support/browser';
import { activeEnrollment } from '../support/monitored-patients';
import { createStaffUser, STAFF_PASSWORD } from '../support/staff';

const TODAY = new Date().toISOString().slice(0, 10);

/** Patient 101: resting HR near 60 for two months, then 70 for the last four days. */
async function seedPatient(vigil: VigilApp): Promise<void> {
  await activeEnrollment(vigil, 101);
  const days: DailyAggregate[] = Array.from({ length: 64 }, (_, i) => ({
    ...dayWithoutData(addDays(TODAY, i - 63)),
    restingHrProvider: i > 59 ? 70 : i % 2 === 0 ? 59 : 61,
    wearMinutes: 900,
  }));
  await vigil.app.get(DailyAggregates).upsert(101, days);
}

describeInBrowser('the rule editor, in Chromium', () => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    await createStaffUser(vigil, 'dr.rivera', 'clinician');
    await seedPatient(vigil);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await signInTo(page, vigil.url ?? '', '/rules/resting-hr-rise', 'dr.rivera', STAFF_PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await vigil.shutdown('test finished');
    await db.drop();
  });

  const messages = () => page.locator('#rule-messages');
  const editor = () => page.getByRole('textbox', { name: 'Rule JSON' });
  const openJson = async () => {
    if ((await page.locator('#rule-json-details').getAttribute('open')) === null)
      await page.getByText('Rule JSON (advanced)').click();
  };
  const setting = () => page.getByRole('spinbutton', { name: 'Rise above baseline (deltaBpm)' });

  it('shows the params as a form with units, ranges and help, and one error for one mistake', async () => {
    await expect(messages().getByText('The rule is valid.').waitFor()).resolves.toBeUndefined();
    const field = setting();
    await expect(field.inputValue()).resolves.toBe('4');
    await expect(field.getAttribute('min')).resolves.toBe('1');
    await expect(field.getAttribute('max')).resolves.toBe('20');
    const help = page.locator(`#${await field.getAttribute('id')}-help`);
    await expect(help.textContent()).resolves.toMatch(
      /above the patient's own baseline.*Allowed: 1 to 20 bpm\. Saved: 4 bpm\./,
    );
    await expect(field.getAttribute('aria-describedby')).resolves.toContain('-help');

    await field.fill('25');
    const error = page.locator(`#${await field.getAttribute('id')}-error`);
    await expect(
      error.getByText('is 25, outside the allowed 1 to 20 bpm').waitFor(),
    ).resolves.toBeUndefined();
    await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
    // One mistake, one error: the list holds it once, at its JSON path.
    await expect(messages().locator('li').allTextContents()).resolves.toEqual([
      expect.stringMatching(
        /^line \d+, \$\.params\.deltaBpm: is 25, outside the allowed 1 to 20 bpm$/,
      ),
    ]);
    // The form writes into the JSON, which stays the advanced view.
    await openJson();
    await expect(editor().inputValue()).resolves.toContain('"deltaBpm": 25');

    await field.fill('4');
    await expect(messages().getByText('The rule is valid.').waitFor()).resolves.toBeUndefined();
    await expect(error.textContent()).resolves.toBe('');
  }, 60_000);

  it('warns before a folder rule is edited, and saves only once the warning is acknowledged', async () => {
    const warning = page.getByRole('note', { name: 'This rule belongs to the rules folder' });
    await expect(warning.textContent()).resolves.toContain('rules/resting-hr-rise.json');
    await expect(warning.textContent()).resolves.toContain('replaces your version');
    const save = page.getByRole('button', { name: 'Save as new version' });
    await expect(save.isDisabled()).resolves.toBe(true);
    await expect(page.locator('#save-status').textContent()).resolves.toContain(
      'first tick that you understand',
    );
    await page.getByLabel('I understand the rules folder can replace this edit').check();
    await expect(save.isDisabled()).resolves.toBe(false);
    await page.getByLabel('I understand the rules folder can replace this edit').uncheck();
    await expect(save.isDisabled()).resolves.toBe(true);
  }, 60_000);

  it('checks the rule as it is typed and points each problem at its place', async () => {
    await expect(messages().getByText('The rule is valid.').waitFor()).resolves.toBeUndefined();
    await openJson();
    const original = await editor().inputValue();
    await editor().fill(original.replace('"deltaBpm": 4', '"deltaBpm": "4"'));

    const problem = messages().locator('li[data-path="$.params.deltaBpm"]');
    await problem.waitFor();
    await expect(messages().locator('li').count()).resolves.toBe(1);
    await expect(problem.textContent()).resolves.toMatch(
      /^line \d+, \$\.params\.deltaBpm: must be a number, not the text "4"/,
    );
    await expect(editor().getAttribute('aria-invalid')).resolves.toBe('true');
    // The message area is part of the textarea's description for screen readers.
    await expect(editor().getAttribute('aria-describedby')).resolves.toContain('rule-messages');

    await problem.getByRole('button').click();
    const selected = await editor().evaluate((el: HTMLTextAreaElement) => ({
      text: el.value.slice(el.selectionStart, el.selectionEnd),
      line: el.value.slice(0, el.selectionStart).split('\n').length,
      focused: document.activeElement === el,
    }));
    expect(selected).toEqual({ text: '"4"', line: expect.any(Number), focused: true });
    await expect(problem.textContent()).resolves.toContain(`line ${selected.line},`);
    await screenshot(page, 'rule-editor-error');

    await editor().fill(original.replace('"forDays": 1,', '"forDays": 1'));
    await expect(
      messages().getByText('not valid JSON', { exact: false }).waitFor(),
    ).resolves.toBeUndefined();

    await editor().fill(original);
    await expect(messages().getByText('The rule is valid.').waitFor()).resolves.toBeUndefined();
  }, 60_000);

  it('backtests the draft beside the saved rule, on a chart with labelled axes', async () => {
    await setting().fill('12'); // 70 bpm is 10 above the baseline of 60: the draft never fires
    await expect(messages().getByText('The rule is valid.').waitFor()).resolves.toBeUndefined();
    const form = page.locator('#backtest-form');
    // By default it ends at the last complete day: yesterday, in the clinic's zone.
    const clinicToday = localDateAt(new Date(), vigil.app.get(Environment).CLINIC_TIME_ZONE);
    await expect(form.getByLabel('To').inputValue()).resolves.toBe(addDays(clinicToday, -1));
    await expect(form.getByLabel('From').inputValue()).resolves.toBe(addDays(clinicToday, -90));
    await form.getByLabel('Patient pid').fill('101');
    await form.getByLabel('From').fill(addDays(TODAY, -29));
    await form.getByLabel('To').fill(TODAY);
    await form.getByRole('button', { name: 'Run backtest preview' }).click();
    await page.locator('#backtest-status').getByText('Backtest done: 30 days.').waitFor();

    const cell = (id: string) => page.locator(`#compare-${id}`).textContent();
    await expect(page.locator('#compare-saved-head').textContent()).resolves.toBe(
      'Saved rule (version 1)',
    );
    // One patient over 30 days is one patient-month; the saved rule (4 bpm) fires two days ago
    // (the second day at 70) and is still open today: 3 alert days. The draft: none.
    await expect(cell('alert-days-rate-saved')).resolves.toBe('3');
    await expect(cell('alert-days-rate-draft')).resolves.toBe('0');
    await expect(cell('patients-alerted-saved')).resolves.toBe('1 of 1');
    await expect(cell('patients-alerted-draft')).resolves.toBe('0 of 1');
    const rows = await page.locator('#backtest-episodes tbody tr').allTextContents();
    expect(rows).toHaveLength(1);
    // Who it is about, as on every staff page (this test runs without OpenEMR, so it says why).
    expect(rows[0]).toMatch(
      /^Saved \(version 1\)Patient 101 \(name not available: OpenEMR is not configured\).*open3$/,
    );

    const chart = await page.evaluate(() => {
      const found = Chart.getChart(document.getElementById('backtest-chart')!)!;
      const scales = found.options.scales;
      return {
        datasets: found.data.datasets.map((d) => ({ label: d.label, data: d.data })),
        axes: [scales.x, scales.alerts, scales.metric].map((axis) => axis.title.text),
      };
    });
    expect(chart.axes).toEqual([
      "Day (the patient's local date)",
      'Patients with a would-be alert',
      'resting heart rate (bpm)',
    ]);
    expect(chart.datasets.map((d) => d.label)).toEqual([
      'Saved (version 1): patients with a would-be alert',
      'Draft: patients with a would-be alert',
      'Patient 101: resting heart rate (bpm)',
    ]);
    expect(chart.datasets[0].data.slice(-4)).toEqual([0, 1, 1, 1]);
    expect(chart.datasets[1].data.every((n) => n === 0)).toBe(true);
    expect(chart.datasets[2].data).toHaveLength(30); // the resting heart rate it reads, for context
    // Today (the patient lives in UTC) is still being measured: hollow, and said so.
    const partialNote = page.locator('#backtest-partial');
    await expect(partialNote.isVisible()).resolves.toBe(true);
    await expect(partialNote.textContent()).resolves.toBe(
      `From ${TODAY} the days are still being measured (partial day): drawn hollow, and their outcomes may change.`,
    );
    const hollow = () =>
      page.evaluate(() => {
        const found = Chart.getChart(document.getElementById('backtest-chart')!)!;
        const [savedBars, , metric] = found.data.datasets as unknown as {
          backgroundColor: string[];
          pointBackgroundColor?: string[];
        }[];
        return {
          bars: savedBars.backgroundColor.map((c) => c === '#ffffff'),
          points: (metric.pointBackgroundColor ?? []).map((c) => c === '#ffffff'),
        };
      });
    const drawn = await hollow();
    expect(drawn.bars).toEqual([...Array<boolean>(29).fill(false), true]);
    expect(drawn.points).toEqual([...Array<boolean>(29).fill(false), true]);
    await screenshot(page, 'rule-editor-backtest');
    await docsScreenshot(page, 'rule-editor');

    // Ending yesterday, every day is complete: nothing hollow, no note.
    await form.getByLabel('From').fill(addDays(TODAY, -30));
    await form.getByLabel('To').fill(addDays(TODAY, -1));
    await form.getByRole('button', { name: 'Run backtest preview' }).click();
    await page.locator('#backtest-status').getByText('Backtest done: 30 days.').waitFor();
    await expect(partialNote.isHidden()).resolves.toBe(true);
    const complete = await hollow();
    expect(complete.bars.some(Boolean)).toBe(false);
    expect(complete.points.some(Boolean)).toBe(false);

    // A typo in the pid is an error, not "0 alerted".
    await form.getByLabel('Patient pid').fill('999');
    await form.getByRole('button', { name: 'Run backtest preview' }).click();
    const problem = page.getByRole('alert').filter({ hasText: 'The backtest did not run' });
    await expect(problem.textContent()).resolves.toContain(
      'Vigil does not monitor patient 999: there is no enrollment to backtest',
    );
    await expect(page.locator('#backtest-result').isHidden()).resolves.toBe(true);

    // A wrong date names its field once ("from must be ...", not "from from must be ...").
    await form.getByLabel('Patient pid').fill('101');
    await form.getByLabel('From').fill('2026-02-30');
    await form.getByRole('button', { name: 'Run backtest preview' }).click();
    await expect(
      page.getByRole('alert').filter({ hasText: 'The backtest did not run' }).textContent(),
    ).resolves.toMatch(/; from must be a calendar date written YYYY-MM-DD, not "2026-02-30"$/);

    // Nothing was saved: the page still shows version 1.
    await page.reload();
    await expect(page.locator('main').textContent()).resolves.toContain('version 1');
  }, 60_000);

  it("says a patient's saved overrides in words, not as JSON", async () => {
    const form = page.locator('#patient-form');
    await form.getByLabel('Patient (pid)').fill('101');
    await form.getByLabel('Rise above baseline (bpm)').fill('6');
    await form.getByRole('button', { name: 'Save patient overrides' }).click();
    const status = page.locator('#patient-status');
    await status.getByText('Saved for patient 101: Rise above baseline 6 bpm.').waitFor();
    await form.getByLabel('Rise above baseline (bpm)').fill('');
    await form.getByRole('button', { name: 'Save patient overrides' }).click();
    await status.getByText("Saved for patient 101: the rule's own values again.").waitFor();
  }, 30_000);
});

declare const Chart: {
  getChart(canvas: HTMLElement):
    | {
        data: { datasets: { label: string; data: unknown[] }[] };
        options: { scales: Record<'x' | 'alerts' | 'metric', { title: { text: string } }> };
      }
    | undefined;
};
