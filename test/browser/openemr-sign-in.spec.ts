import type { Browser } from 'playwright-core';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { describeInBrowser, launchBrowser, screenshot } from '../support/browser';
import { freshDatabase, TestDatabase } from '../support/databases';
import { OpenEmrOAuthStub } from '../support/openemr-oauth-stub';
import { freePort } from '../support/processes';

describeInBrowser('signing in with OpenEMR (a stubbed authorization server), in Chromium', () => {
  let stub: OpenEmrOAuthStub;
  let db: TestDatabase;
  let vigil: VigilApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    stub = await new OpenEmrOAuthStub(
      {
        clientId: 'vigil-browser-client',
        clientSecret: 'browser-test-client-secret',
        redirectUri: `${base}/login/openemr/callback`,
      },
      [{ sub: '00000000-0000-4000-8000-000000000003', username: 'drsmith' }],
    ).start();
    stub.autoApprove = false;
    // OpenEMR sends the browser back to PUBLIC_BASE_URL, so it must be this very address.
    db = await freshDatabase('sqlite', {
      ROLE: 'api',
      PUBLIC_BASE_URL: base,
      CLINIC_NAME: 'Riverside Family Practice',
      OPENEMR_OAUTH_ISSUER: stub.issuer,
      OPENEMR_OAUTH_CLIENT_ID: 'vigil-browser-client',
      OPENEMR_OAUTH_CLIENT_SECRET: 'browser-test-client-secret',
      OPENEMR_OAUTH_ROLES: 'drsmith=clinician',
    });
    vigil = await startVigil(db.env, { port, logWriter: () => undefined });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await vigil?.shutdown('test finished');
    await stub?.stop();
    await db?.drop();
  }, 60_000);

  it('clicks "Sign in with OpenEMR", approves on OpenEMR, and comes back signed in', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/login`);
    await page.getByRole('link', { name: 'Sign in with OpenEMR' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${stub.issuer}/authorize`));
    await expect(page.locator('body').textContent()).resolves.toContain(
      'Signed in to OpenEMR as drsmith',
    );
    await screenshot(page, 'openemr-sign-in-authorize');

    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((url) => url.href.startsWith(base) && !url.pathname.startsWith('/login'));
    const me = await page.evaluate(async () => {
      const res = await fetch('/api/v1/whoami');
      return { status: res.status, body: (await res.json()) as unknown };
    });
    expect(me).toEqual({
      status: 200,
      body: expect.objectContaining({ kind: 'user', name: 'drsmith', role: 'clinician' }),
    });
    const cookies = await page.context().cookies(base);
    expect(cookies.find((c) => c.name === 'vigil_session')).toMatchObject({ httpOnly: true });
    const flowCookies = await page.context().cookies(`${base}/login/openemr/callback`);
    expect(flowCookies.find((c) => c.name === 'vigil_openemr_sign_in')).toBeUndefined();
    await screenshot(page, 'openemr-signed-in');
  }, 60_000);
});
