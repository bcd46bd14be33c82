import type { Browser, Page } from 'playwright-core';
import { AlertService } from '../../src/alerts/alert-service';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { addDays, localDateAt } from '../../src/time';
import { LOW_SPO2, RESTING_HR } from '../support/alert-rules';
import { describeInBrowser, fillSignIn, launchBrowser, screenshot } from '../support/browser';
import { freshDatabase, type TestDatabase } from '../support/databases';
import { freshOpenEmr, type TestOpenEmr } from '../support/openemr';
import { createStaffUser, STAFF_PASSWORD } from '../support/staff';

describeInBrowser('the alert inbox, in Chromium', () => {
  let openemr: TestOpenEmr;
  let db: TestDatabase;
  let vigil: VigilApp;
  let browser: Browser;
  let spo2Id: string;
  let hrId: string;

  beforeAll(async () => {
    openemr = await freshOpenEmr('sqlite');
    db = await freshDatabase('sqlite', {
      ROLE: 'api',
      OPENEMR_DATABASE_URL: openemr.url,
      ALERT_FALLBACK_RECIPIENTS: 'admin',
      CLINIC_NAME: 'Riverside Family Practice',
      CLINIC_TIME_ZONE: 'America/New_York',
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    await createStaffUser(vigil, 'nurse.kim', 'staff');
    // Alerts raised and delivered into the OpenEMR stand-in the way the daily run does it.
    const at = new Date(Date.now() - 26 * 3_600_000);
    const applied = await vigil.app.get(AlertService).applyEvaluation({
      pid: 1,
      date: at.toISOString().slice(0, 10),
      at,
      outcomes: [
        {
          rule: RESTING_HR,
          ruleVersion: 1,
          result: 'true',
          facts: {},
          message: 'resting heart rate 72 bpm, 9 above the 28-day baseline, for 2 days',
        },
        {
          rule: LOW_SPO2,
          ruleVersion: 1,
          result: 'true',
          facts: {},
          message: 'nightly SpO2 90.5%, for 2 days',
        },
      ],
    });
    spo2Id = applied.alerts.get(LOW_SPO2.id)!.id;
    hrId = applied.alerts.get(RESTING_HR.id)!.id;
    for (let i = 0; i < 3; i += 1) await vigil.app.get(Dispatcher).dispatchDue();
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await vigil?.shutdown('test finished');
    await db?.drop();
    await openemr?.drop();
  });

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${vigil.url}/alerts`);
    expect(page.url()).toBe(`${vigil.url}/login?next=%2Falerts`);
    await fillSignIn(page, 'nurse.kim', STAFF_PASSWORD, `${vigil.url}/alerts`);
  }

  it('signs in, reads the inbox on a tablet, and acknowledges an alert with the keyboard', async () => {
    const page = await browser.newPage({ viewport: { width: 768, height: 1024 } });
    await signIn(page);
    const rows = page.locator('#needs-action tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.first().locator('th').textContent()).resolves.toBe('Low oxygen saturation');
    await expect(page.getByRole('heading', { name: 'Handled (0)' }).count()).resolves.toBe(1);
    const row = page.locator(`#alert-${spo2Id}`);
    // Who it is, from OpenEMR: name, date of birth and chart number.
    await expect(row.locator('.patient').textContent()).resolves.toMatch(
      /Maria Garcia\s+born 1956-03-14 · chart 1001 · pid 1/,
    );
    await expect(row.textContent()).resolves.toMatch(/Message to drsmith:\s+delivered/);
    await expect(row.locator('time').textContent()).resolves.toBe('1 day');
    // A tablet shows the whole page; only the table itself may scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      768,
    );
    await screenshot(page, 'inbox');

    await row.locator('summary').focus();
    await page.keyboard.press('Enter');
    await row.getByLabel('Note').first().fill('Called the patient, coming in today');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=acknowledged/);
    // The notice names the rule and the patient; the alert moves to Handled with who and when.
    await expect(page.getByRole('status').textContent()).resolves.toBe(
      'Acknowledged “Low oxygen saturation” for Maria Garcia, born 1956-03-14, chart 1001, pid 1.',
    );
    await expect(page.getByRole('heading', { name: 'Needs action (1)' }).count()).resolves.toBe(1);
    await expect(page.locator(`#handled #alert-${spo2Id}`).textContent()).resolves.toMatch(
      /Acknowledged\s+by nurse\.kim,\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} America\/New_York/,
    );
    await screenshot(page, 'inbox-acknowledged');

    await page.locator(`#alert-${spo2Id} th a`).click();
    await page.waitForURL(`${vigil.url}/alerts/${spo2Id}`);
    const history = page.locator('table tbody tr').last();
    await expect(history.textContent()).resolves.toContain('Called the patient, coming in today');
    await expect(history.textContent()).resolves.toContain('nurse.kim');
    // The data days and the first notice to staff, each named for what it is.
    const fact = (term: string) => page.locator(`dt:text-is("${term}") + dd`).textContent();
    await expect(fact('Data days')).resolves.toMatch(
      /condition began\s+\d{4}-\d{2}-\d{2}, fired \d{4}-\d{2}-\d{2}\s+\(the patient’s days the readings are from/,
    );
    await expect(fact('First notice to staff')).resolves.toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} America\/New_York\s+\(1 day ago\)/,
    );
    await screenshot(page, 'alert-detail');
  }, 60_000);

  it('snoozes through a day typed as YYYY-MM-DD and says the exact moment the snooze ends', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 900 } });
    await signIn(page);
    const row = page.locator(`#alert-${hrId}`);
    await row.locator('summary').click();
    const until = row.getByLabel('Snooze through the patient’s day');
    // A text field in ISO form, never the browser's mm/dd/yyyy date picker.
    await expect(until.getAttribute('type')).resolves.toBe('text');
    await expect(until.getAttribute('placeholder')).resolves.toBe('YYYY-MM-DD');
    await until.fill('12/08/2026');
    await expect(
      until.evaluate((input: HTMLInputElement) => input.validity.patternMismatch),
    ).resolves.toBe(true);
    const day = addDays(localDateAt(new Date(), 'America/New_York'), 2);
    await until.fill(day);
    await row.getByRole('button', { name: 'Snooze' }).click();
    await page.waitForURL(/done=snoozed/);
    const end = `until ${addDays(day, 1)} 00:00 America/New_York (through the patient’s day ${day})`;
    await expect(page.getByRole('status').textContent()).resolves.toBe(
      `Snoozed “Sustained resting heart rate rise” for Maria Garcia, born 1956-03-14, chart 1001, pid 1, ${end}.`,
    );
    await expect(page.locator(`#handled #alert-${hrId} .snooze-end`).textContent()).resolves.toBe(
      end,
    );
    await screenshot(page, 'inbox-snoozed');
  }, 60_000);
});
