import type { Browser } from 'playwright-core';
import type { VigilApp } from '../../src/bootstrap';
import type { Simulator } from '../../src/simulator';
import { describeInBrowser, fillSignIn, launchBrowser, screenshot } from '../support/browser';
import { startVigilAtKnownAddress } from '../support/consent';
import type { TestDatabase } from '../support/databases';
import { createStaffUser, STAFF_PASSWORD } from '../support/staff';

describeInBrowser('enrolling and inviting a patient, in Chromium', () => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ({ sim, db, vigil, base } = await startVigilAtKnownAddress());
    await createStaffUser(vigil, 'frontdesk.pat', 'staff');
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await vigil?.shutdown('test finished');
    await sim?.close();
    await db?.drop();
  });

  it('enrolls, prints an invitation with its QR code, and the patient consents with it', async () => {
    const staff = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    await staff.goto(`${base}/enrollments`);
    await fillSignIn(staff, 'frontdesk.pat', STAFF_PASSWORD, `${base}/enrollments`);

    await staff.getByLabel('OpenEMR patient id (pid)').fill('12');
    await staff.getByLabel('Program (optional)').fill('heart-failure');
    await staff.getByRole('button', { name: 'Enroll', exact: true }).click();
    await expect(staff.getByRole('status').textContent()).resolves.toContain(
      'Patient 12 is enrolled.',
    );
    const row = staff.locator('#patient-12');
    await expect(row.locator('td strong').textContent()).resolves.toBe('invited');

    await row.getByRole('button', { name: /^Invite\W+patient 12$/ }).click();
    await expect(staff.locator('h1').textContent()).resolves.toBe(
      'Invitation for Patient 12 (name not available: OpenEMR is not configured)',
    );
    const qr = staff.getByRole('img', { name: /QR code of the invitation link/ });
    await expect(qr.boundingBox()).resolves.toMatchObject({ width: 240, height: 240 });
    const link = ((await staff.locator('#invitation-link').textContent()) ?? '').trim();
    expect(link).toMatch(new RegExp(`^${base}/connect/[A-Za-z0-9_-]{43}$`));
    await screenshot(staff, 'enrollment-invitation');

    const phone = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await phone.goto(link);
    await phone.getByRole('button', { name: 'Continue to Google' }).click();
    await phone.waitForURL(/\/o\/oauth2\/v2\/auth/);
    await phone.getByLabel('User').fill('sim-2');
    await phone.getByRole('button', { name: 'Allow' }).click();
    await phone.waitForURL(/\/oauth\/google\/callback/);
    await expect(phone.locator('h1').textContent()).resolves.toBe('You are connected');

    await staff.goto(`${base}/enrollments`);
    const connected = staff.locator('#patient-12');
    await expect(connected.locator('td strong').textContent()).resolves.toBe('active');
    await expect(connected.textContent()).resolves.toContain('activity, measurements, sleep');
    await screenshot(staff, 'enrollments-active');
    // The front desk is not offered what only clinicians may do.
    await expect(connected.getByText('Disconnect').count()).resolves.toBe(0);
    await expect(connected.getByText('End monitoring').count()).resolves.toBe(0);
    // Re-inviting a connected patient is a second step that says what will happen.
    const reinvite = connected.getByRole('button', { name: /^Re-invite\W+patient 12$/ });
    await expect(reinvite.isVisible()).resolves.toBe(false);
    await connected.locator('summary', { hasText: 'Re-invite' }).click();
    await expect(connected.locator('details').first().textContent()).resolves.toContain(
      'the connection stays until the patient uses the new link',
    );
    await expect(reinvite.isVisible()).resolves.toBe(true);
    await expect(reinvite.getAttribute('class')).resolves.toBe('secondary');

    await connected.getByRole('button', { name: /^Pause\W+patient 12$/ }).click();
    await expect(staff.getByRole('status').textContent()).resolves.toContain(
      'Patient 12 is paused',
    );
    await expect(staff.locator('#patient-12 td strong').textContent()).resolves.toBe('paused');
  }, 90_000);
});
