import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(__dirname, '..', 'artifacts', 'screenshots');

/** Locally a machine without Chromium skips the browser tier; in CI (CI=true) it must run. */
export const describeInBrowser: jest.Describe =
  existsSync(CHROMIUM) || process.env.CI === 'true' ? describe : describe.skip;

/**
 * Debian's Chromium driven by playwright-core; never a downloaded browser.
 * The background-networking flags keep it from calling Google on a closed network.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Saves a screenshot under test/artifacts/screenshots/ (ignored by git) for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Where the screenshots shown in docs/*.md live; a test run refreshes them. */
export const DOC_IMAGES = join(__dirname, '..', '..', 'docs', 'images');

/** Saves a screenshot into docs/images/ as well, for the page the docs show. */
export async function docsScreenshot(page: Page, name: string): Promise<string> {
  await screenshot(page, name);
  mkdirSync(DOC_IMAGES, { recursive: true });
  const path = join(DOC_IMAGES, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Fills the staff sign-in form the page shows, and waits to land on `landing`. */
export async function fillSignIn(
  page: Page,
  username: string,
  password: string,
  landing: string,
): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(landing);
}

/** Signs a local staff user in through /login?next=… and lands on `next`. */
export async function signInTo(
  page: Page,
  base: string,
  next: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await fillSignIn(page, username, password, `${base}${next}`);
}
