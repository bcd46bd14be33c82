import { createHash, randomBytes } from 'node:crypto';
import { SCOPES } from './data-types';
import { DEFAULT_CLIENT, Simulator, startSimulator } from './server';

const REDIRECT = 'http://127.0.0.1:3999/oauth/google/callback';

describe('simulated Google OAuth', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ now: '2026-11-28T12:00:00Z', cohortSize: 5 });
  });
  afterAll(() => sim.close());

  function pkce(): { verifier: string; challenge: string } {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  async function authorize(
    extra: Record<string, string>,
    scope = `${SCOPES.healthMetrics} ${SCOPES.settings}`,
  ): Promise<URL> {
    const query = new URLSearchParams({
      client_id: DEFAULT_CLIENT.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope,
      state: 'state-123',
      access_type: 'offline',
      prompt: 'consent',
      ...extra,
    });
    const response = await fetch(`${sim.url}/o/oauth2/v2/auth?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location') as string);
  }

  function exchange(params: Record<string, string>): Promise<Response> {
    return fetch(`${sim.url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: DEFAULT_CLIENT.clientId,
        client_secret: DEFAULT_CLIENT.clientSecret,
        ...params,
      }),
    });
  }

  it('renders a consent form listing users and the requested scopes', async () => {
    const query = new URLSearchParams({
      client_id: DEFAULT_CLIENT.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: SCOPES.sleep,
      state: 's',
    });
    const response = await fetch(`${sim.url}/o/oauth2/v2/auth?${query}`);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('name="sim_user"');
    expect(html).toContain(`value="${SCOPES.sleep}" checked`);
    expect(html).toContain('name="sim_deny"');
  });

  it('exchanges a code with a matching PKCE verifier for Google-shaped tokens', async () => {
    const { verifier, challenge } = pkce();
    const location = await authorize({
      sim_user: 'sim-2',
      sim_auto: '1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('state-123');
    const before = sim.oauth.tokenRequests();
    const response = await exchange({
      grant_type: 'authorization_code',
      code: location.searchParams.get('code') as string,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      access_token: expect.stringMatching(/^ya29\./),
      expires_in: 3599,
      refresh_token: expect.any(String),
      scope: `${SCOPES.healthMetrics} ${SCOPES.settings}`,
      token_type: 'Bearer',
    });
    expect(sim.oauth.tokenRequests()).toBe(before + 1);
    const identity = await fetch(`${sim.url}/v4/users/me/identity`, {
      headers: { Authorization: `Bearer ${String(body.access_token)}` },
    });
    expect(await identity.json()).toMatchObject({
      healthUserId: sim.cohort.user('sim-2')?.healthUserId,
    });
  });

  it('rejects a wrong verifier, a replayed code, a different redirect_uri and a wrong secret', async () => {
    const { challenge } = pkce();
    const location = await authorize({
      sim_user: 'sim-1',
      sim_auto: '1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const code = location.searchParams.get('code') as string;
    const wrong = await exchange({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: 'not-the-verifier',
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });
    const replay = await exchange({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: 'x',
    });
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });

    const second = pkce();
    const other = await authorize({
      sim_user: 'sim-1',
      sim_auto: '1',
      code_challenge: second.challenge,
      code_challenge_method: 'S256',
    });
    const mismatch = await exchange({
      grant_type: 'authorization_code',
      code: other.searchParams.get('code') as string,
      redirect_uri: 'http://127.0.0.1:3999/elsewhere',
      code_verifier: second.verifier,
    });
    expect(await mismatch.json()).toMatchObject({ error: 'redirect_uri_mismatch' });

    const badSecret = await exchange({
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_secret: 'wrong',
    });
    expect(badSecret.status).toBe(401);
    expect(await badSecret.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('grants only the ticked scopes and redirects access_denied on deny', async () => {
    const location = await authorize({
      sim_user: 'sim-3',
      sim_auto: '1',
      sim_scopes: SCOPES.settings,
    });
    const tokens = (await (
      await exchange({
        grant_type: 'authorization_code',
        code: location.searchParams.get('code') as string,
        redirect_uri: REDIRECT,
      })
    ).json()) as { scope: string; access_token: string };
    expect(tokens.scope).toBe(SCOPES.settings);
    const denied = await fetch(`${sim.url}/v4/users/me/dataTypes/heart-rate/dataPoints`, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({
      error: {
        status: 'PERMISSION_DENIED',
        details: [{ reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' }],
      },
    });

    // The consent form submits sim_scopes="" plus one sim_scope per ticked box.
    const form = new URLSearchParams({ sim_user: 'sim-3', sim_auto: '1', sim_scopes: '' });
    const none = await authorize(Object.fromEntries(form));
    expect(none.searchParams.get('scope')).toBe('');
    const deny = await authorize({ sim_deny: '1' });
    expect(deny.searchParams.get('error')).toBe('access_denied');
    expect(deny.searchParams.get('state')).toBe('state-123');
    expect(deny.searchParams.has('code')).toBe(false);
  });

  it('refreshes without rotating the refresh token, then answers invalid_grant once revoked', async () => {
    const granted = sim.grantTokens('sim-4');
    const refresh = await exchange({
      grant_type: 'refresh_token',
      refresh_token: granted.refresh_token as string,
    });
    const refreshed = (await refresh.json()) as Record<string, unknown>;
    expect(refresh.status).toBe(200);
    expect(refreshed.refresh_token).toBeUndefined();
    expect(refreshed.expires_in).toBe(3599);
    expect(sim.oauth.tokenRequests('refresh_token')).toBeGreaterThanOrEqual(1);

    expect(sim.oauth.revokeUser('sim-4')).toBe(1);
    const after = await exchange({
      grant_type: 'refresh_token',
      refresh_token: granted.refresh_token as string,
    });
    expect(after.status).toBe(400);
    expect(await after.json()).toMatchObject({ error: 'invalid_grant' });
    const api = await fetch(`${sim.url}/v4/users/me/identity`, {
      headers: { Authorization: `Bearer ${String(refreshed.access_token)}` },
    });
    expect(api.status).toBe(401);
  });

  it('revokes a grant through POST /revoke and expires access tokens on demand', async () => {
    const granted = sim.grantTokens('sim-5');
    const headers = { Authorization: `Bearer ${granted.access_token}` };
    expect((await fetch(`${sim.url}/v4/users/me/settings`, { headers })).status).toBe(200);
    sim.oauth.expireAccessTokens('sim-5');
    const expired = await fetch(`${sim.url}/v4/users/me/settings`, { headers });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({
      error: { status: 'UNAUTHENTICATED', details: [{ reason: 'ACCESS_TOKEN_EXPIRED' }] },
    });

    const revoke = await fetch(`${sim.url}/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: granted.refresh_token as string }),
    });
    expect(revoke.status).toBe(200);
    const again = await exchange({
      grant_type: 'refresh_token',
      refresh_token: granted.refresh_token as string,
    });
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('lets access tokens lapse after 3599 simulated seconds', async () => {
    const granted = sim.grantTokens('sim-1');
    const headers = { Authorization: `Bearer ${granted.access_token}` };
    sim.clock.advance(3599 * 1000);
    expect((await fetch(`${sim.url}/v4/users/me/identity`, { headers })).status).toBe(401);
  });
});
