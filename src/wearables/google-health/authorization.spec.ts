import { authorizationUrl, createPkce, pkceChallenge } from './authorization';
import {
  GOOGLE_HEALTH_SCOPES,
  grantedScopes,
  grantsAnyData,
  REQUESTED_SCOPES,
  scopeLabel,
} from './scopes';

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes a fresh 43-character verifier each time', () => {
    const a = createPkce();
    const b = createPkce();
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.challenge).toBe(pkceChallenge(a.verifier));
  });
});

describe('authorizationUrl', () => {
  it('asks for offline access, a fresh consent and the earlier grants, with PKCE S256', () => {
    const url = new URL(
      authorizationUrl({
        authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
        clientId: 'client-1',
        redirectUri: 'https://vigil.example.org/oauth/google/callback',
        scopes: REQUESTED_SCOPES,
        state: 'state-1',
        codeChallenge: 'challenge-1',
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client-1',
      redirect_uri: 'https://vigil.example.org/oauth/google/callback',
      scope: REQUESTED_SCOPES.join(' '),
      state: 'state-1',
      code_challenge: 'challenge-1',
      code_challenge_method: 'S256',
      access_type: 'offline',
      prompt: 'consent',
      include_granted_scopes: 'true',
    });
  });
});

describe('scopes', () => {
  it('asks for the three data scopes the starter rules read, plus settings', () => {
    expect(REQUESTED_SCOPES.map(scopeLabel)).toEqual([
      'activity',
      'measurements',
      'sleep',
      'settings',
    ]);
  });

  it('keeps exactly what was granted, in Vigil order, ignoring scopes it never asked for', () => {
    const field = `openid ${GOOGLE_HEALTH_SCOPES.sleep}  ${GOOGLE_HEALTH_SCOPES.activity}`;
    expect(grantedScopes(field)).toEqual([
      GOOGLE_HEALTH_SCOPES.activity,
      GOOGLE_HEALTH_SCOPES.sleep,
    ]);
    expect(grantedScopes(undefined)).toEqual([]);
  });

  it('does not count settings alone as useful', () => {
    expect(grantsAnyData([GOOGLE_HEALTH_SCOPES.settings])).toBe(false);
    expect(grantsAnyData([GOOGLE_HEALTH_SCOPES.settings, GOOGLE_HEALTH_SCOPES.sleep])).toBe(true);
  });
});
