import { loadEnvironment } from '../config/environment';
import { KeyRing } from '../crypto/key-ring';
import { diagnoseGoogleOAuth } from './doctor-checks';

const env = (vars: Record<string, string>) =>
  loadEnvironment({ ENCRYPTION_KEYS: KeyRing.generateEntry('d'), ...vars });

describe('diagnoseGoogleOAuth', () => {
  it('prints the redirect URI and says the client is missing', () => {
    const findings = diagnoseGoogleOAuth(env({ PUBLIC_BASE_URL: 'https://vigil.clinic.org/' }));
    expect(findings.map((f) => [f.ok, f.what])).toEqual([
      [
        true,
        'Redirect URI to register with Google: https://vigil.clinic.org/oauth/google/callback',
      ],
      [false, 'No Google OAuth client: patients cannot connect their Fitbit yet'],
    ]);
  });

  it('refuses plain http except on localhost', () => {
    const configured = { GOOGLE_CLIENT_ID: 'id-1', GOOGLE_CLIENT_SECRET: 's' };
    expect(diagnoseGoogleOAuth(env({ ...configured, PORT: '8080' })).every((f) => f.ok)).toBe(true);
    const remote = diagnoseGoogleOAuth(env({ ...configured, PUBLIC_BASE_URL: 'http://vigil.lan' }));
    expect(remote.filter((f) => !f.ok).map((f) => f.what)).toEqual([
      'Google accepts plain http redirect URIs only for localhost',
    ]);
  });
});
