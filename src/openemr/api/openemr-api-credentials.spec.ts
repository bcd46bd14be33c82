import { createHash } from 'node:crypto';
import { authorizationLink, oauthBaseOf } from './openemr-api-credentials';

describe("OpenEMR's OAuth2 addresses", () => {
  it('derives the OAuth2 base of a site from its API base', () => {
    expect(oauthBaseOf('https://emr.example.org/apis/default/api')).toBe(
      'https://emr.example.org/oauth2/default',
    );
    expect(oauthBaseOf('https://clinic.example/openemr/apis/north/api/')).toBe(
      'https://clinic.example/openemr/oauth2/north',
    );
    expect(() => oauthBaseOf('https://emr.example.org/api')).toThrow(/apis\/<site>\/api/);
  });

  it('builds an authorization-code link with an S256 PKCE challenge of its verifier', () => {
    const login = authorizationLink(
      'https://emr.example.org/apis/default/api',
      'client-1',
      'https://vigil.example.org/openemr/oauth/callback',
    );
    const url = new URL(login.url);
    expect(url.origin + url.pathname).toBe('https://emr.example.org/oauth2/default/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client-1',
      redirect_uri: 'https://vigil.example.org/openemr/oauth/callback',
      scope: 'openid offline_access api:oemr user/message.c',
      state: login.state,
      code_challenge: createHash('sha256').update(login.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    expect(login.verifier.length).toBeGreaterThanOrEqual(43);
  });
});
