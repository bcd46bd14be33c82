import type { Browser } from 'playwright-core';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { freshDatabase, TestDatabase } from '../support/databases';
import { describeInBrowser, fillSignIn, launchBrowser, screenshot } from '../support/browser';
import { createStaffUser, STAFF_PASSWORD } from '../support/staff';

describeInBrowser('signing in with a local account, in Chromium', () => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let browser: Browser;

  beforeAll(async () => {
    db = await freshDatabase('sqlite', { CLINIC_NAME: 'Riverside Family Practice' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    await createStaffUser(vigil, 'dr.rivera', 'clinician');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await vigil.shutdown('test finished');
    await db.drop();
  });

  it('shows an error for a wrong password, then signs in and out with the keyboard', async () => {
    const page = await browser.newPage();
    await page.goto(`${vigil.url}/`);
    expect(page.url()).toBe(`${vigil.url}/login`);
    await page.getByLabel('Username').fill('dr.rivera');
    await page.getByLabel('Password').fill('not it at all!');
    await page.getByLabel('Password').press('Enter');
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'The username or password is wrong, or there were too many attempts',
    );
    await screenshot(page, 'sign-in-wrong-password');

    await fillSignIn(page, 'dr.rivera', STAFF_PASSWORD, `${vigil.url}/alerts`);
    await expect(page.locator('header .who').textContent()).resolves.toContain(
      'dr.rivera (clinician)',
    );
    await expect(page.locator('header .brand').textContent()).resolves.toContain(
      'Riverside Family Practice',
    );
    await expect(page.locator('h1').textContent()).resolves.toBe('Alerts');
    await screenshot(page, 'signed-in');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${vigil.url}/login`);
    await page.goto(`${vigil.url}/`);
    expect(page.url()).toBe(`${vigil.url}/login`);
  }, 60_000);
});
