import type { Environment } from '../../config/environment';
import {
  InvalidGrantError,
  TokenEndpointError,
  TokenGrant,
  WearableAccount,
  WearableSource,
} from '../wearable-source';
import { authorizationUrl } from './authorization';
import { GOOGLE_HEALTH_SCOPES, REQUESTED_SCOPES } from './scopes';
import { isTimeZone } from '../../time';

const TIMEOUT_MS = 10_000;

type Fetch = typeof fetch;

/** A Google Health API answer other than 2xx, by status and Google's reason (never a token). */
export class GoogleApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`Google Health API answered ${status} ${reason}`);
    this.name = 'GoogleApiError';
  }
}

/**
 * Google OAuth (web-server client, client_secret_post) and the account calls
 * consent needs: `users/me/identity` and `users/me/settings`. Every URL comes
 * from configuration, so tests and the demo point it at the simulator.
 */
export class GoogleHealthSource implements WearableSource {
  readonly provider = 'google-health';
  readonly requestedScopes = REQUESTED_SCOPES;

  constructor(
    private readonly env: Environment,
    private readonly fetchFn: Fetch = fetch,
  ) {}

  consentUrl(request: { state: string; codeChallenge: string }): string {
    return authorizationUrl({
      authorizeUrl: this.env.GOOGLE_OAUTH_AUTHORIZE_URL,
      clientId: this.env.GOOGLE_CLIENT_ID ?? '',
      redirectUri: this.env.googleRedirectUri,
      scopes: this.requestedScopes,
      ...request,
    });
  }

  exchangeCode(code: string, codeVerifier: string): Promise<TokenGrant> {
    return this.tokenRequest({
      grant_type: 'authorization_code',
      code,
      code_verifier: codeVerifier,
      redirect_uri: this.env.googleRedirectUri,
    });
  }

  refresh(refreshToken: string): Promise<TokenGrant> {
    return this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async revoke(token: string): Promise<boolean> {
    const response = await this.fetchFn(this.env.GOOGLE_OAUTH_REVOKE_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.ok) return true;
    // Google answers 400 invalid_token for a token that is already revoked or expired.
    const body = (await response.json().catch(() => ({}))) as { error?: unknown };
    return response.status === 400 && body.error === 'invalid_token';
  }

  async account(accessToken: string, scopes: readonly string[]): Promise<WearableAccount> {
    const identity = (await this.get('users/me/identity', accessToken)) as {
      healthUserId?: unknown;
      legacyUserId?: unknown;
    };
    if (typeof identity.healthUserId !== 'string' || identity.healthUserId === '') {
      throw new GoogleApiError(200, 'IDENTITY_WITHOUT_HEALTH_USER_ID');
    }
    let timeZone: string | null = null;
    if (scopes.includes(GOOGLE_HEALTH_SCOPES.settings)) {
      const settings = (await this.get('users/me/settings', accessToken)) as { timeZone?: unknown };
      if (typeof settings.timeZone === 'string' && isTimeZone(settings.timeZone)) {
        timeZone = settings.timeZone;
      }
    }
    return {
      accountId: identity.healthUserId,
      legacyAccountId: typeof identity.legacyUserId === 'string' ? identity.legacyUserId : null,
      timeZone,
    };
  }

  private async get(path: string, accessToken: string): Promise<unknown> {
    const base = this.env.GOOGLE_HEALTH_API_BASE_URL.replace(/\/?$/, '/');
    const response = await this.fetchFn(new URL(path, base), {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => null)) as {
      error?: { details?: { reason?: unknown }[]; status?: unknown };
    } | null;
    if (!response.ok || body === null) {
      const reason = body?.error?.details?.[0]?.reason ?? body?.error?.status ?? 'UNKNOWN';
      throw new GoogleApiError(response.status, String(reason));
    }
    return body;
  }

  private async tokenRequest(params: Record<string, string>): Promise<TokenGrant> {
    let response: Response;
    try {
      response = await this.fetchFn(this.env.GOOGLE_OAUTH_TOKEN_URL, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({
          ...params,
          client_id: this.env.GOOGLE_CLIENT_ID ?? '',
          client_secret: this.env.GOOGLE_CLIENT_SECRET ?? '',
        }).toString(),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new TokenEndpointError(
        `The token endpoint did not answer (${error instanceof Error ? error.name : 'error'})`,
        true,
      );
    }
    const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (response.ok && body && typeof body.access_token === 'string') {
      return {
        accessToken: body.access_token,
        refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
        expiresInSeconds: typeof body.expires_in === 'number' ? body.expires_in : 3600,
        scopes: typeof body.scope === 'string' ? body.scope.split(/\s+/).filter(Boolean) : [],
      };
    }
    const error = typeof body?.error === 'string' ? body.error : 'malformed_response';
    if (error === 'invalid_grant') throw new InvalidGrantError();
    const transient = response.status === 429 || response.status >= 500 || !body;
    throw new TokenEndpointError(
      `The token endpoint answered ${response.status} ${error.slice(0, 64)}`,
      transient,
    );
  }
}
