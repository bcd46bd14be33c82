import { createHash, randomBytes } from 'node:crypto';
import { SecretStore } from '../../crypto/secret-store';

/** Everything Vigil holds to call OpenEMR's API, sealed as one secret. */
export interface OpenEmrApiCredentials {
  clientId: string;
  clientSecret: string;
  /** Absent until the service account has signed in once (`openemr:login`). */
  refreshToken?: string;
}

const PURPOSE = 'openemr-api';

/** Scopes to send messages as a user: standard API routes refuse the `system` role. */
export const OPENEMR_API_SCOPES = 'openid offline_access api:oemr user/message.c';

/** `https://emr/apis/default/api` -> `https://emr/oauth2/default`. */
export function oauthBaseOf(apiBaseUrl: string): string {
  const url = new URL(apiBaseUrl);
  const match = /^(.*)\/apis\/([^/]+)\/api\/?$/u.exec(url.pathname);
  if (match === null) {
    throw new Error('OPENEMR_API_BASE_URL must end with /apis/<site>/api');
  }
  url.pathname = `${match[1]}/oauth2/${match[2]}`;
  return url.toString().replace(/\/$/u, '');
}

/** The sealed credentials in `stored_secrets`; the database alone never reveals them. */
export class OpenEmrApiVault {
  constructor(private readonly secrets: SecretStore) {}

  async read(): Promise<OpenEmrApiCredentials | null> {
    const id = await this.secrets.latestOf(PURPOSE);
    return id === null ? null : (JSON.parse(await this.secrets.read(id)) as OpenEmrApiCredentials);
  }

  /** Replaces the stored credentials (a refresh issues a new refresh token each time). */
  async write(credentials: OpenEmrApiCredentials): Promise<void> {
    const id = await this.secrets.latestOf(PURPOSE);
    const plaintext = JSON.stringify(credentials);
    if (id === null) await this.secrets.save(PURPOSE, plaintext);
    else await this.secrets.replace(id, plaintext);
  }
}

export interface PendingLogin {
  url: string;
  state: string;
  verifier: string;
  redirectUri: string;
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

/** The authorization-code + PKCE link a service-account user opens once. */
export function authorizationLink(
  apiBaseUrl: string,
  clientId: string,
  redirectUri: string,
): PendingLogin {
  const verifier = base64url(randomBytes(48));
  const state = base64url(randomBytes(16));
  const url = new URL(`${oauthBaseOf(apiBaseUrl)}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: OPENEMR_API_SCOPES,
    state,
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
  }).toString();
  return { url: url.toString(), state, verifier, redirectUri };
}
