import type { Browser, Page } from 'playwright-core';
import { dayWithoutData, type DailyAggregate } from '../../src/aggregates/daily-aggregate';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { addDays } from '../../src/time';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { freshDatabase, TestDatabase } from '../support/databases';
import { describeInBrowser, launchBrowser, screenshot, signInTo } from '../support/browser';
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

  it('checks the rule as it is typed and points each problem at its place', async () => {
    await expect(messages().getByText('The rule is valid.').waitFor()).resolves.toBeUndefined();
    const original = await editor().inputValue();
    await editor().fill(original.replace('"deltaBpm": 4', '"deltaBpm": "4"'));

    const problem = messages().locator('li[data-path="$.params.deltaBpm"]');
    await problem.waitFor();
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

  it('previews a draft over a patient, with its episodes on a chart and the alert-days figure', async () => {
    const draft = (await editor().inputValue()).replace('"deltaBpm": 4', '"deltaBpm": 5');
    await editor().fill(draft);
    const form = page.locator('#backtest-form');
    await form.getByLabel('Patient pid').fill('101');
    await form.getByLabel('From').fill(addDays(TODAY, -29));
    await form.getByLabel('To').fill(TODAY);
    await form.getByRole('button', { name: 'Run backtest preview' }).click();
    await page.locator('#backtest-status').getByText('Backtest done.').waitFor();

    const figure = Number(await page.locator('#backtest-figure').textContent());
    // One patient over 30 days is one patient-month; at 65 bpm the rise fires two days ago
    // (the second day at 70) and is still open today: 3 alert days.
    expect(figure).toBe(3);
    const rows = await page.locator('#backtest-episodes tbody tr').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('101');
    expect(rows[0]).toContain('open');
    const chart = await page.evaluate(() => {
      const found = Chart.getChart(document.getElementById('backtest-chart')!)!;
      return found.data.datasets.map((d) => d.data);
    });
    expect(chart[0]).toHaveLength(30);
    expect(chart[0].slice(-4)).toEqual([0, 1, 1, 1]);
    expect(chart[1]).toHaveLength(30); // the resting heart rate it reads, for context
    await screenshot(page, 'rule-editor-backtest');

    // Nothing was saved: the page still shows version 1.
    await page.reload();
    await expect(page.locator('main').textContent()).resolves.toContain('version 1');
  }, 60_000);
});

declare const Chart: {
  getChart(canvas: HTMLElement): { data: { datasets: { data: unknown[] }[] } } | undefined;
};
