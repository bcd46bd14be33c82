import { createHash, randomBytes } from 'node:crypto';

export interface Pkce {
  /** Kept server-side until the callback. */
  verifier: string;
  /** Sent to Google: base64url(SHA-256(verifier)). */
  challenge: string;
}

/** RFC 7636 S256: a 43-character verifier from 32 random bytes. */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier) };
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export interface AuthorizationRequest {
  authorizeUrl: string;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  codeChallenge: string;
}

/**
 * Google's consent URL: offline access for a refresh token, prompt=consent so
 * a re-consent yields a new one, and earlier grants kept.
 */
export function authorizationUrl(request: AuthorizationRequest): string {
  const url = new URL(request.authorizeUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scopes.join(' '),
    state: request.state,
    code_challenge: request.codeChallenge,
    code_challenge_method: 'S256',
    access_type: 'offline',
    prompt: 'consent',
    include_granted_scopes: 'true',
  }).toString();
  return url.toString();
}
