import { ConfigurationError, loadEnvironment } from '../../config/environment';
import { KeyRing } from '../../crypto/key-ring';

const base = { ENCRYPTION_KEYS: KeyRing.generateEntry('test') };

function problems(extra: Record<string, string>): string[] {
  try {
    loadEnvironment({ ...base, ...extra });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return error.problems.map((p) => p.variable);
  }
}

describe('OpenEMR sign-in configuration', () => {
  it('is off until issuer and client id are set, and a secret is optional', () => {
    expect(loadEnvironment(base).openEmrSignInConfigured).toBe(false);
    const env = loadEnvironment({
      ...base,
      OPENEMR_OAUTH_ISSUER: 'https://emr.example.org/oauth2/default',
      OPENEMR_OAUTH_CLIENT_ID: 'vigil',
    });
    expect(env.openEmrSignInConfigured).toBe(true);
    expect(env.OPENEMR_ROLE_MAP).toBe(
      'admin=admin,doc=clinician,clin=clinician,front=staff,back=staff',
    );
  });

  it('takes all or none of issuer and client id', () => {
    expect(problems({ OPENEMR_OAUTH_ISSUER: 'https://emr.example.org/oauth2/default' })).toEqual([
      'OPENEMR_OAUTH_CLIENT_ID',
    ]);
    expect(problems({ OPENEMR_OAUTH_CLIENT_ID: 'vigil' })).toEqual(['OPENEMR_OAUTH_ISSUER']);
    expect(problems({ OPENEMR_OAUTH_CLIENT_SECRET: 'secret' })).toEqual(['OPENEMR_OAUTH_ISSUER']);
  });

  it.each([
    ['http://emr.example.org/oauth2/default', false],
    ['http://127.0.0.1:8300/oauth2/default', true],
    ['http://localhost/oauth2/default', true],
    ['https://emr.example.org/oauth2/default?x=1', false],
    ['emr.example.org', false],
  ])('accepts the issuer %s: %s (https, or http only on this machine)', (issuer, ok) => {
    expect(problems({ OPENEMR_OAUTH_ISSUER: issuer, OPENEMR_OAUTH_CLIENT_ID: 'vigil' })).toEqual(
      ok ? [] : ['OPENEMR_OAUTH_ISSUER'],
    );
  });

  it('checks both role maps name only Vigil roles', () => {
    expect(problems({ OPENEMR_ROLE_MAP: 'admin=root' })).toEqual(['OPENEMR_ROLE_MAP']);
    expect(problems({ OPENEMR_OAUTH_ROLES: 'alice=clinician, bob=staff' })).toEqual([]);
    expect(problems({ OPENEMR_OAUTH_ROLES: 'alice' })).toEqual(['OPENEMR_OAUTH_ROLES']);
  });
});
