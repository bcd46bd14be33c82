import type { Environment } from '../config/environment';

export interface GoogleFinding {
  ok: boolean;
  what: string;
  advice?: string;
}

/** What `doctor` says about patient consent: the redirect URI to register, and what is missing. */
export function diagnoseGoogleOAuth(env: Environment): GoogleFinding[] {
  const redirect = env.googleRedirectUri;
  const findings: GoogleFinding[] = [
    { ok: true, what: `Redirect URI to register with Google: ${redirect}` },
  ];
  const host = new URL(redirect).hostname;
  if (redirect.startsWith('http://') && !['localhost', '127.0.0.1', '[::1]'].includes(host)) {
    findings.push({
      ok: false,
      what: 'Google accepts plain http redirect URIs only for localhost',
      advice: 'Serve Vigil over https and set PUBLIC_BASE_URL to its https address',
    });
  }
  findings.push(
    env.googleClientConfigured
      ? { ok: true, what: `Google OAuth client ${env.GOOGLE_CLIENT_ID} is configured` }
      : {
          ok: false,
          what: 'No Google OAuth client: patients cannot connect their Fitbit yet',
          advice:
            'In the clinic\'s Google Cloud project, enable the Google Health API, create a "Web application" OAuth client with the redirect URI above, and set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET',
        },
  );
  return findings;
}
