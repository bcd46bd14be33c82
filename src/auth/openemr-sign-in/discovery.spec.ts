import { checkDiscovery, discoveryUrl, jwksKeys } from './discovery';

const ISSUER = 'https://emr.example.org/oauth2/default';
const openEmrDocument = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  jwks_uri: `${ISSUER}/jwk`,
  userinfo_endpoint: `${ISSUER}/userinfo`,
  code_challenge_methods_supported: ['S256', 'plain'],
  id_token_signing_alg_values_supported: ['RS256'],
  token_endpoint_auth_methods_supported: ['client_secret_post'],
};

describe('OpenEMR discovery document', () => {
  it('is read from the issuer, with or without a trailing slash', () => {
    expect(discoveryUrl(`${ISSUER}/`)).toBe(`${ISSUER}/.well-known/openid-configuration`);
    expect(checkDiscovery(openEmrDocument, `${ISSUER}/`)).toEqual({
      ok: true,
      server: {
        issuer: ISSUER,
        authorizationEndpoint: `${ISSUER}/authorize`,
        tokenEndpoint: `${ISSUER}/token`,
        jwksUri: `${ISSUER}/jwk`,
      },
    });
  });

  it.each([
    [
      'another issuer',
      { issuer: 'https://evil.example.org/oauth2/default' },
      /^issuer https:\/\/evil/,
    ],
    [
      'a plain-http token endpoint',
      { token_endpoint: 'http://emr.example.org/token' },
      /token_endpoint must be https/,
    ],
    ['no jwks_uri', { jwks_uri: undefined }, /jwks_uri is missing/],
    ['no RS256', { id_token_signing_alg_values_supported: ['HS256'] }, /lacks RS256/],
    ['no S256', { code_challenge_methods_supported: ['plain'] }, /lacks S256/],
  ])('refuses %s', (_label, change, problem) => {
    const check = checkDiscovery({ ...openEmrDocument, ...change }, ISSUER);
    expect(check.ok ? 'ok' : check.problem).toMatch(problem);
  });

  it('allows plain http only for an issuer on this machine', () => {
    const local = 'http://127.0.0.1:8300/oauth2/default';
    const doc = {
      issuer: local,
      authorization_endpoint: `${local}/authorize`,
      token_endpoint: `${local}/token`,
      jwks_uri: `${local}/jwk`,
    };
    expect(checkDiscovery(doc, local).ok).toBe(true);
    expect(
      checkDiscovery({ ...doc, token_endpoint: 'http://emr.example.org/token' }, local).ok,
    ).toBe(false);
  });

  it('reads a key set, refusing what is not one', () => {
    expect(jwksKeys({ keys: [{ kty: 'RSA' }] })).toEqual([{ kty: 'RSA' }]);
    expect(jwksKeys({ keys: [] })).toBeNull();
    expect(jwksKeys([])).toBeNull();
    expect(jwksKeys(null)).toBeNull();
  });
});
