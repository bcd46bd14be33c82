import { DEFAULT_CLIENT } from './server';

/**
 * Plays a patient going through Vigil's consent pages against the simulator:
 * posts the consent form, lets the simulator's Google page answer on the
 * patient's behalf, and follows the callback with the browser cookie. Used by
 * the demo to connect its scripted cohort and by the tests.
 */
export interface ConsentChoice {
  /** Simulated Google user, e.g. `sim-2`. */
  user?: string;
  /** Scopes the patient leaves ticked (default: all asked for). */
  scopes?: string[];
  deny?: boolean;
}

export interface StartedConsent {
  callbackPath: string;
  cookie: string;
}

export async function startConsentAsPatient(
  vigilUrl: string,
  invitationPath: string,
  choice: ConsentChoice = {},
): Promise<StartedConsent> {
  const post = await fetch(`${vigilUrl}${invitationPath}`, { method: 'POST', redirect: 'manual' });
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

export async function finishConsentAsPatient(
  vigilUrl: string,
  started: StartedConsent,
  cookie = started.cookie,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${vigilUrl}${started.callbackPath}`, {
    headers: cookie ? { cookie } : {},
  });
  return { status: res.status, text: await res.text() };
}

export async function consentAsPatient(
  vigilUrl: string,
  invitationPath: string,
  choice: ConsentChoice = {},
): Promise<{ status: number; text: string }> {
  return finishConsentAsPatient(
    vigilUrl,
    await startConsentAsPatient(vigilUrl, invitationPath, choice),
  );
}

/** Vigil's Google settings for a simulator at `simulatorUrl` (the demo and tests use these). */
export function googleSettingsFor(simulatorUrl: string): Record<string, string> {
  return {
    GOOGLE_CLIENT_ID: DEFAULT_CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
    GOOGLE_OAUTH_AUTHORIZE_URL: `${simulatorUrl}/o/oauth2/v2/auth`,
    GOOGLE_OAUTH_TOKEN_URL: `${simulatorUrl}/token`,
    GOOGLE_OAUTH_REVOKE_URL: `${simulatorUrl}/revoke`,
    GOOGLE_HEALTH_API_BASE_URL: `${simulatorUrl}/v4/`,
    GOOGLE_HEALTH_WEBHOOK_KEYSET_URL: `${simulatorUrl}/__sim/webhook-keyset`,
  };
}
