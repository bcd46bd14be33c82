import { DEFAULT_CLIENT } from '../../src/simulator';

/**
 * What a secret looks like in text: Vigil's own 256-bit link, session and CSRF
 * tokens (43 base64url characters, see looksLikeSecret), API tokens (vgl_),
 * Google's access/refresh tokens and codes as the simulator shapes them, JWTs,
 * Authorization values, sealed secrets and encryption keys.
 */
const SHAPES: { name: string; pattern: RegExp }[] = [
  {
    name: 'Vigil link/session token',
    pattern: /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
  },
  { name: 'API token', pattern: /\bvgl_[A-Za-z0-9_-]{8,}/g },
  { name: 'Google access token', pattern: /\bya29\.[A-Za-z0-9._-]+/g },
  { name: 'Google refresh token', pattern: /\b1\/\/[A-Za-z0-9._-]{10,}/g },
  // Not a path's "-4/acknowledge": a code never follows a path separator or a minus sign.
  { name: 'Google authorization code', pattern: /(?<![A-Za-z0-9_/-])4\/[A-Za-z0-9._-]{10,}/g },
  { name: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g },
  { name: 'Bearer value', pattern: /\bBearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{8,}/gi },
  { name: 'Basic credentials', pattern: /\bBasic\s+(?!\[redacted\])[A-Za-z0-9+/=]{8,}/gi },
  { name: 'encryption key', pattern: /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=/g },
];

/** Fixed secrets the test suite itself uses (simulator client, webhook, passwords). */
export const KNOWN_TEST_SECRETS: readonly string[] = [
  DEFAULT_CLIENT.clientSecret,
  'webhook-secret-0123456789',
  'correct horse battery staple',
  'vgl_leakyLeakyLeakyLeakyLeakyLeaky0123',
  'query-secret-123',
  'cookie-secret-456',
  'secretAccessToken',
];

/** Made-up placeholders ('A' x 43) are not secrets: a real one has many distinct characters. */
const random = (text: string): boolean => new Set(text).size >= 12;

export interface SecretFinding {
  kind: string;
  /** The first characters only: a report must not leak what it found. */
  sample: string;
}

/** Every token-shaped string or known test secret in `text`. */
export function findSecrets(text: string): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const { name, pattern } of SHAPES) {
    for (const match of text.matchAll(pattern)) {
      if (random(match[0])) found.push({ kind: name, sample: `${match[0].slice(0, 6)}...` });
    }
  }
  for (const secret of KNOWN_TEST_SECRETS) {
    if (text.includes(secret))
      found.push({ kind: 'known test secret', sample: `${secret.slice(0, 6)}...` });
  }
  return found;
}
