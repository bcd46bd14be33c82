import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { StoredAlert } from '../../src/alerts/alert.entity';
import { ApiTokens } from '../../src/auth/api-tokens';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { addDays } from '../../src/time';
import { replayDailyRun } from '../support/daily-run';
import { freshDatabase, type TestDatabase } from '../support/databases';
import { describeInBrowser, docsScreenshot, launchBrowser, signInTo } from '../support/browser';
import { createStaffUser, STAFF_PASSWORD } from '../support/staff';

const RULE = 'resting-hr-rise';
const START = '2026-10-01';
const END = addDays(START, 29);

describeInBrowser('the rule-quality page, in Chromium', () => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let browser: Browser;
  let page: Page;

  /** The daily run's outcomes and alert steps for one patient, from START. */
  const live = (pid: number, pattern: string, version: number) =>
    replayDailyRun(vigil, { pid, ruleId: RULE, ruleVersion: version, start: START }, pattern);

  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    await createStaffUser(vigil, 'front.desk', 'staff');
    const token = (await vigil.app.get(ApiTokens).issue('staff', 'front.desk', 'test')).token;
    const version = (
      await request(vigil.url ?? '')
        .get(`/api/v1/rules/${RULE}`)
        .auth(token, { type: 'bearer' })
    ).body.version as number;
    // Four patients a month: two alerts clear by themselves, one is acknowledged, one goes stale.
    await live(31, 'fttt' + 'f'.repeat(26), version);
    await live(32, 'ffffftt' + 'f'.repeat(23), version);
    await live(33, 'ft', version);
    const alert = await vigil.app
      .get(DataSource)
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 33, ruleId: RULE });
    await request(vigil.url ?? '')
      .post(`/api/v1/alerts/${alert.id}/acknowledge`)
      .auth(token, { type: 'bearer' })
      .send({})
      .expect(200);
    await live(34, 'ffffffffff' + 'tt' + '-'.repeat(18), version);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await signInTo(page, vigil.url ?? '', '/rules', 'front.desk', STAFF_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await vigil.shutdown('test finished');
    await db.drop();
  });

  it('is reached from the rule, shows each measure over the chosen period, and refuses a bad date', async () => {
    await page.getByRole('link', { name: 'Sustained resting heart rate rise' }).click();
    await page.getByRole('link', { name: 'Rule quality' }).click();
    await page.waitForURL(/\/rules\/resting-hr-rise\/quality$/);
    await page.getByLabel('From', { exact: true }).fill(START);
    await page.getByLabel('To', { exact: true }).fill(END);
    await page.getByRole('button', { name: 'Show period' }).click();
    await page.waitForURL(/from=2026-10-01&to=2026-10-30/);

    const figure = (id: string) => page.locator(`#${id}`).textContent();
    // Alert days: 31 on 10-02 to 10-06, 32 on 10-06 to 10-09, 33 on 10-02, 34 on 10-11 and 10-12:
    // 12 over 92 patient-days (33 has two days of history) = 3.07 patient-months.
    await expect(figure('alert-days')).resolves.toBe('3.91');
    await expect(figure('condition-days')).resolves.toBe('2.61'); // 8 true days
    await expect(figure('resolved-alone')).resolves.toBe('50%');
    await expect(figure('stale')).resolves.toBe('25%');
    // 33 was acknowledged at once; the others were told just now and still have their 24 hours.
    await expect(figure('acknowledged-in-time')).resolves.toBe('100%');
    await expect(
      page.getByRole('heading', { name: 'Acknowledged within 24 h' }).count(),
    ).resolves.toBe(1);
    // The published comparison is in plain words; the study's name sits in the footnote it links to.
    await expect(page.locator('#published-rate').textContent()).resolves.toContain(
      'a published study of smartwatch alerts on a rising resting heart rate',
    );
    await expect(page.locator('.figures').textContent()).resolves.not.toContain('NightSignal');
    await page.getByRole('link', { name: 'Source 1' }).click();
    await page.waitForURL(/#source-1$/);
    await expect(
      page.getByRole('list', { name: 'Sources' }).getByRole('listitem').textContent(),
    ).resolves.toContain('NightSignal algorithm: Alavi A. et al.');
    await docsScreenshot(page, 'rule-quality');

    const bad = await page.goto(`${vigil.url}/rules/${RULE}/quality?from=2026-13-01`);
    expect(bad?.status()).toBe(400);
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'from must be a calendar date written YYYY-MM-DD',
    );
  }, 60_000);
});
