import type request from 'supertest';
import type { StaffRole } from '../../src/auth/roles';
import { StaffSessions } from '../../src/auth/staff-sessions';
import type { VigilApp } from '../../src/bootstrap';

/** The password the page tests give their local staff accounts. */
export const STAFF_PASSWORD = 'a long clinic password';

/** A local staff account, as `user:create --role` makes one. */
export async function createStaffUser(
  vigil: VigilApp,
  username: string,
  role: StaffRole = 'staff',
  password = STAFF_PASSWORD,
): Promise<void> {
  await vigil.app.get(StaffSessions).createLocalUser(username, role, password, 'test');
}

/**
 * Creates a local staff account and signs it in; the session cookie a
 * browser would send. Page posts also need the `_csrf` of a page (hiddenCsrf).
 */
export async function signedInStaff(
  vigil: VigilApp,
  username: string,
  role: StaffRole = 'staff',
  password = STAFF_PASSWORD,
): Promise<string> {
  await createStaffUser(vigil, username, role, password);
  const signedIn = await vigil.app.get(StaffSessions).signIn(username, password);
  if (!signedIn.ok) throw new Error('sign-in failed');
  return `vigil_session=${signedIn.secret}`;
}

/** The CSRF token a staff page's forms post as `_csrf`. */
export const hiddenCsrf = (page: string): string =>
  /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** Cookies as a browser keeps them between requests, per path-less name (the tests need no more). */
export function cookieJar() {
  const jar = new Map<string, string>();
  return {
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    take(res: request.Response) {
      for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
        const [pair] = c.split(';');
        const [name, value] = pair.split('=');
        if (value === '' || /Expires=Thu, 01 Jan 1970/.test(c)) jar.delete(name);
        else jar.set(name, value);
      }
    },
    get: (name: string) => jar.get(name),
    set: (name: string, value: string) => jar.set(name, value),
  };
}
export type CookieJar = ReturnType<typeof cookieJar>;
