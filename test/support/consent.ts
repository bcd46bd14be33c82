import request from 'supertest';
import { ApiTokens } from '../../src/auth/api-tokens';
import type { VigilApp } from '../../src/bootstrap';
import { DEFAULT_CLIENT, type Simulator } from '../../src/simulator';

/** Points Vigil's Google settings at an in-process simulator. */
export function simulatorEnv(sim: Simulator): Record<string, string> {
  return {
    GOOGLE_CLIENT_ID: DEFAULT_CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
    GOOGLE_OAUTH_AUTHORIZE_URL: `${sim.url}/o/oauth2/v2/auth`,
    GOOGLE_OAUTH_TOKEN_URL: `${sim.url}/token`,
    GOOGLE_OAUTH_REVOKE_URL: `${sim.url}/revoke`,
    GOOGLE_HEALTH_API_BASE_URL: `${sim.url}/v4/`,
    CLINIC_NAME: 'Riverside Cardiology',
  };
}

export async function staffToken(
  vigil: VigilApp,
  role: 'admin' | 'clinician' | 'staff' = 'admin',
): Promise<string> {
  return (await vigil.app.get(ApiTokens).issue(role, `test ${role}`, 'test')).token;
}

export async function enroll(vigil: VigilApp, token: string, pid: number): Promise<void> {
  await request(vigil.url ?? '')
    .post('/api/v1/patients')
    .auth(token, { type: 'bearer' })
    .send({ pid })
    .expect(201);
}

/** Creates an invitation and returns the path of its link (`/connect/<token>`). */
export async function invite(vigil: VigilApp, token: string, pid: number): Promise<string> {
  const res = await request(vigil.url ?? '')
    .post(`/api/v1/patients/${pid}/invitations`)
    .auth(token, { type: 'bearer' })
    .expect(201);
  return new URL(res.body.url as string).pathname;
}

export interface ConsentChoice {
  user?: string;
  /** Scopes the patient leaves ticked; absent = all requested. */
  scopes?: string[];
  deny?: boolean;
}

export interface Started {
  /** Google's redirect back to Vigil: the callback path and query. */
  callbackPath: string;
  cookie: string;
}

/** Posts the consent form and lets the simulator's authorize page answer as the patient would. */
export async function startConsent(
  vigil: VigilApp,
  invitationPath: string,
  choice: ConsentChoice = {},
): Promise<Started> {
  const post = await fetch(`${vigil.url}${invitationPath}`, { method: 'POST', redirect: 'manual' });
  if (post.status !== 303) throw new Error(`POST ${invitationPath} answered ${post.status}`);
  const cookie = (post.headers.get('set-cookie') ?? '').split(';')[0];
  const authorize = new URL(post.headers.get('location') ?? '');
  authorize.searchParams.set('sim_auto', '1');
  authorize.searchParams.set('sim_user', choice.user ?? 'sim-1');
  if (choice.scopes) authorize.searchParams.set('sim_scopes', choice.scopes.join(' '));
  if (choice.deny) authorize.searchParams.set('sim_deny', '1');
  const back = await fetch(authorize, { redirect: 'manual' });
  if (back.status !== 302) throw new Error(`authorize answered ${back.status}`);
  const callback = new URL(back.headers.get('location') ?? '');
  return { callbackPath: `${callback.pathname}${callback.search}`, cookie };
}

export async function finishConsent(
  vigil: VigilApp,
  started: Started,
  cookie = started.cookie,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${vigil.url}${started.callbackPath}`, {
    headers: cookie ? { cookie } : {},
  });
  return { status: res.status, text: await res.text() };
}

/** The whole consent in one call; returns the callback page. */
export async function consent(
  vigil: VigilApp,
  invitationPath: string,
  choice: ConsentChoice = {},
): Promise<{ status: number; text: string }> {
  return finishConsent(vigil, await startConsent(vigil, invitationPath, choice));
}

/** The patient's disconnect link path from the connected page. */
export function disconnectPath(connectedPage: string): string {
  const match = /href="[^"]*(\/disconnect\/[A-Za-z0-9_-]{43})"/.exec(connectedPage);
  if (!match) throw new Error('no disconnect link on the page');
  return match[1];
}
