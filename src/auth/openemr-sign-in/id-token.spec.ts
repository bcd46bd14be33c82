import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { checkIdToken, signingKeyFor } from './id-token';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = (key: KeyObject, kid: string) => ({
  ...key.export({ format: 'jwk' }),
  kid,
  alg: 'RS256',
  use: 'sig',
});
const KEYS = [jwk(publicKey, 'k1')];

const ISSUER = 'https://emr.example.org/oauth2/default';
const NOW = new Date('2026-11-28T12:00:00Z');
const SECONDS = Math.floor(NOW.getTime() / 1000);
const expected = { issuer: ISSUER, clientId: 'vigil-client', nonce: 'n-123', now: NOW };
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function token(
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  key = privateKey,
): string {
  const head = b64({ alg: 'RS256', typ: 'JWT', kid: 'k1', ...header });
  const body = b64({
    iss: ISSUER,
    aud: 'vigil-client',
    sub: '9a1f3c2e-6b7d-4e8f-9a0b-1c2d3e4f5a6b',
    preferred_username: 'drsmith',
    nonce: 'n-123',
    iat: SECONDS - 5,
    exp: SECONDS + 3600,
    ...claims,
  });
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), key).toString('base64url');
  return `${head}.${body}.${signature}`;
}

const problemOf = (result: ReturnType<typeof checkIdToken>) => (result.ok ? 'ok' : result.problem);

describe('OpenEMR id_token checks', () => {
  it('accepts a token signed by the issuer for this client and sign-in, and names the user', () => {
    expect(checkIdToken(token(), KEYS, expected)).toEqual({
      ok: true,
      identity: { subject: '9a1f3c2e-6b7d-4e8f-9a0b-1c2d3e4f5a6b', username: 'drsmith' },
    });
    expect(
      checkIdToken(token({ aud: ['vigil-client', 'x'], azp: 'vigil-client' }), KEYS, expected).ok,
    ).toBe(true);
  });

  it.each([
    ['another key', token({}, {}, other.privateKey), 'id_token signature is wrong'],
    ['alg none', token({}, { alg: 'none' }), 'id_token alg none is not RS256'],
    ['HS256', token({}, { alg: 'HS256' }), 'id_token alg HS256 is not RS256'],
    ['an unknown kid', token({}, { kid: 'k9' }), 'no signing key in the JWKS fits the id_token'],
    [
      'another issuer',
      token({ iss: 'https://evil.example.org/oauth2/default' }),
      'id_token iss is not the issuer',
    ],
    ['another audience', token({ aud: 'someone-else' }), 'id_token aud is not this client'],
    [
      'several audiences without azp',
      token({ aud: ['vigil-client', 'x'] }),
      'id_token azp is not this client',
    ],
    ['an expired token', token({ exp: SECONDS - 300 }), 'id_token has expired'],
    ['a token from the future', token({ iat: SECONDS + 600 }), 'id_token iat is in the future'],
    ['another nonce', token({ nonce: 'n-999' }), 'id_token nonce does not match this sign-in'],
    ['no nonce', token({ nonce: undefined }), 'id_token nonce does not match this sign-in'],
    ['no subject', token({ sub: '' }), 'id_token sub is missing'],
    [
      'no username',
      token({ preferred_username: undefined }),
      'id_token has no preferred_username (is the client registered with the profile scope?)',
    ],
    ['garbage', 'not.a.jwt', 'id_token is not a JWT'],
  ])('refuses %s', (_label, jwt, problem) => {
    expect(problemOf(checkIdToken(jwt, KEYS, expected))).toBe(problem);
  });

  it('tolerates small clock differences but not large ones', () => {
    expect(checkIdToken(token({ exp: SECONDS - 60 }), KEYS, expected).ok).toBe(true);
    expect(checkIdToken(token({ iat: SECONDS + 60 }), KEYS, expected).ok).toBe(true);
  });

  it('picks the key by kid, or the only RSA signing key when the token names none', () => {
    const keys = [
      { kty: 'EC', kid: 'e' },
      { kty: 'RSA', kid: 'a', use: 'enc' },
      { kty: 'RSA', kid: 'b' },
    ];
    expect(signingKeyFor(keys, 'b')).toBe(keys[2]);
    expect(signingKeyFor(keys, 'a')).toBeUndefined();
    expect(signingKeyFor(keys, undefined)).toBe(keys[2]);
    expect(signingKeyFor([...keys, { kty: 'RSA', kid: 'c' }], undefined)).toBeUndefined();
    expect(checkIdToken(token({}, { kid: undefined }), [jwk(publicKey, 'k1')], expected).ok).toBe(
      true,
    );
  });
});
