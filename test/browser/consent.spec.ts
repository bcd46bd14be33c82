import type { Browser } from 'playwright-core';
import request from 'supertest';
import type { VigilApp } from '../../src/bootstrap';
import type { Simulator } from '../../src/simulator';
import { describeInBrowser, launchBrowser, screenshot } from '../support/browser';
import { enroll, invite, staffToken, startVigilAtKnownAddress } from '../support/consent';
import type { TestDatabase } from '../support/databases';

describeInBrowser('a patient consents and disconnects, in Chromium', () => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let browser: Browser;
  let base: string;
  let admin: string;

  beforeAll(async () => {
    ({ sim, db, vigil, base } = await startVigilAtKnownAddress());
    admin = await staffToken(vigil);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  it('reads the consent page on a phone, connects through the Google page, then stops sharing', async () => {
    await enroll(vigil, admin, 12);
    const link = await invite(vigil, admin, 12);
    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await page.goto(`${base}${link}`);
    await expect(page.locator('h1').textContent()).resolves.toBe(
      'Share your Fitbit data with your care team?',
    );
    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    await screenshot(page, 'consent-page');

    await page.getByRole('button', { name: 'Continue to Google' }).click();
    await page.waitForURL(/\/o\/oauth2\/v2\/auth/);
    await page.getByLabel('User').fill('sim-2');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/oauth\/google\/callback/);
    await expect(page.locator('h1').textContent()).resolves.toBe('You are connected');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );
    await screenshot(page, 'consent-connected');
    const status = await request(base).get('/api/v1/patients/12').auth(admin, { type: 'bearer' });
    expect(status.body).toMatchObject({ status: 'active', connection: { connected: true } });

    await page.locator('a[href*="/disconnect/"]').click();
    await page.getByRole('button', { name: 'Stop sharing' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('You have stopped sharing');
    const after = await request(base).get('/api/v1/patients/12').auth(admin, { type: 'bearer' });
    expect(after.body).toMatchObject({ status: 'paused', connection: { connected: false } });
  }, 60_000);

  it('after a partial consent names the checks that cannot run, and a refresh still tells the truth', async () => {
    await enroll(vigil, admin, 13);
    const link = await invite(vigil, admin, 13);
    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await page.goto(`${base}${link}`);
    await page.getByRole('button', { name: 'Continue to Google' }).click();
    await page.waitForURL(/\/o\/oauth2\/v2\/auth/);
    await page.getByLabel('User').fill('sim-3');
    await page.getByLabel(/sleep\.readonly/).uncheck();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/oauth\/google\/callback/);
    await expect(page.locator('h1').textContent()).resolves.toBe('You are connected');
    const shared = (await page.locator('#shared').textContent()) ?? '';
    expect(shared).toContain('Your activity');
    expect(shared).not.toContain('Your sleep');
    await expect(page.locator('#cannot-run li').allTextContents()).resolves.toEqual([
      'Sleep deficit (needs your sleep)',
    ]);
    await screenshot(page, 'consent-partial');

    // Refreshing the confirmation must not say "Nothing was shared": the patient is connected.
    await page.reload();
    await expect(page.locator('h1').textContent()).resolves.toBe('You are connected');
    await expect(page.locator('main').textContent()).resolves.not.toContain('Nothing was shared');
    await expect(page.locator('#cannot-run li').allTextContents()).resolves.toEqual([
      'Sleep deficit (needs your sleep)',
    ]);
    await expect(page.locator('a[href*="/disconnect/"]').count()).resolves.toBe(0);
  }, 60_000);
});
