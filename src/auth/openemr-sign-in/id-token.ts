import { createPublicKey, verify as verifySignature, type JsonWebKey } from 'node:crypto';

/** What Vigil takes from OpenEMR's id_token: who signed in. */
export interface OpenEmrIdentity {
  /** The OpenEMR user's uuid (`sub`): stable across username changes. */
  subject: string;
  /** `users.username` (`preferred_username`, shared with the `profile` scope). */
  username: string;
}

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  nonce: string;
  now: Date;
}

export type IdTokenCheck = { ok: true; identity: OpenEmrIdentity } | { ok: false; problem: string };

/** Clocks of two servers differ a little; more than this is a stale or forged token. */
const CLOCK_SKEW_SECONDS = 120;

interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signedPart: string;
  signature: Buffer;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function decodePart(part: string): Record<string, unknown> | null {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[2])) return null;
  const header = decodePart(parts[0]);
  const payload = decodePart(parts[1]);
  if (!header || !payload) return null;
  return {
    header,
    payload,
    signedPart: `${parts[0]}.${parts[1]}`,
    signature: Buffer.from(parts[2], 'base64url'),
  };
}

/**
 * The signing key for a token: RSA keys meant for signatures with RS256, the
 * one named by `kid` when the token names one (OpenEMR publishes a single key
 * and may leave `kid` out). Undefined when no key fits.
 */
export function signingKeyFor(
  keys: readonly Record<string, unknown>[],
  kid: unknown,
): Record<string, unknown> | undefined {
  const usable = keys.filter(
    (key) =>
      key.kty === 'RSA' &&
      (key.use === undefined || key.use === 'sig') &&
      (key.alg === undefined || key.alg === 'RS256'),
  );
  if (typeof kid === 'string') return usable.find((key) => key.kid === kid);
  return usable.length === 1 ? usable[0] : undefined;
}

/**
 * Checks an id_token: RS256 signature by the issuer's key, then `iss`, `aud`
 * (and `azp` when there are several audiences), `exp`, `iat`, `nonce`, and the
 * user claims. Every failure names what was wrong, never the token itself.
 */
export function checkIdToken(
  token: string,
  keys: readonly Record<string, unknown>[],
  expected: IdTokenExpectations,
): IdTokenCheck {
  const jwt = decodeJwt(token);
  if (!jwt) return { ok: false, problem: 'id_token is not a JWT' };
  if (jwt.header.alg !== 'RS256')
    return { ok: false, problem: `id_token alg ${String(jwt.header.alg)} is not RS256` };
  const jwk = signingKeyFor(keys, jwt.header.kid);
  if (!jwk) return { ok: false, problem: 'no signing key in the JWKS fits the id_token' };
  let signed: boolean;
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    signed = verifySignature('sha256', Buffer.from(jwt.signedPart), key, jwt.signature);
  } catch {
    return { ok: false, problem: 'the JWKS key could not be read' };
  }
  if (!signed) return { ok: false, problem: 'id_token signature is wrong' };
  return checkClaims(jwt.payload, expected);
}

export function checkClaims(
  claims: Record<string, unknown>,
  expected: IdTokenExpectations,
): IdTokenCheck {
  const now = Math.floor(expected.now.getTime() / 1000);
  if (claims.iss !== expected.issuer)
    return { ok: false, problem: 'id_token iss is not the issuer' };
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
  if (!Array.isArray(audiences) || !audiences.includes(expected.clientId))
    return { ok: false, problem: 'id_token aud is not this client' };
  if (audiences.length > 1 && claims.azp !== expected.clientId)
    return { ok: false, problem: 'id_token azp is not this client' };
  if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_SECONDS <= now)
    return { ok: false, problem: 'id_token has expired' };
  if (typeof claims.iat !== 'number' || claims.iat - CLOCK_SKEW_SECONDS > now)
    return { ok: false, problem: 'id_token iat is in the future' };
  if (typeof claims.nonce !== 'string' || claims.nonce !== expected.nonce)
    return { ok: false, problem: 'id_token nonce does not match this sign-in' };
  if (typeof claims.sub !== 'string' || !/^\S{1,100}$/.test(claims.sub))
    return { ok: false, problem: 'id_token sub is missing' };
  const username = claims.preferred_username;
  if (typeof username !== 'string' || !/^\S{1,100}$/.test(username))
    return {
      ok: false,
      problem:
        'id_token has no preferred_username (is the client registered with the profile scope?)',
    };
  return { ok: true, identity: { subject: claims.sub, username } };
}
