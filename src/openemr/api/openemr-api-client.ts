import {
  oauthBaseOf,
  OPENEMR_API_SCOPES,
  type OpenEmrApiCredentials,
  type OpenEmrApiVault,
  type PendingLogin,
} from './openemr-api-credentials';

export class OpenEmrApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'OpenEmrApiError';
  }
}

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
}

/** Refresh a little early: a token that expires in flight fails the message. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * OpenEMR's OAuth2 and standard API, as the service-account user. Tokens live
 * in memory and sealed in the vault; they are never logged. Each refresh
 * returns a new refresh token, stored before the access token is used.
 */
export class OpenEmrApiClient {
  private access?: { token: string; expiresAt: number };
  private refreshing?: Promise<string>;

  constructor(
    private readonly apiBaseUrl: string,
    private readonly vault: OpenEmrApiVault,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Registers Vigil as a confidential client; an OpenEMR admin must then enable it. */
  async register(redirectUri: string): Promise<OpenEmrApiCredentials> {
    const response = await this.post(`${oauthBaseOf(this.apiBaseUrl)}/registration`, {
      json: {
        application_type: 'private',
        client_name: 'Vigil wearable alerts',
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'client_secret_post',
        scope: OPENEMR_API_SCOPES,
      },
    });
    const body = (await response.json()) as { client_id?: string; client_secret?: string };
    if (!body.client_id || !body.client_secret) {
      throw new OpenEmrApiError('OpenEMR registered no confidential client', response.status);
    }
    const credentials = { clientId: body.client_id, clientSecret: body.client_secret };
    await this.vault.write(credentials);
    return credentials;
  }

  /** Completes the sign-in from the address OpenEMR redirected the browser to. */
  async completeLogin(pending: PendingLogin, callbackUrl: string): Promise<void> {
    const callback = new URL(callbackUrl);
    const error = callback.searchParams.get('error');
    if (error !== null) throw new OpenEmrApiError(`OpenEMR refused the sign-in: ${error}`, null);
    if (callback.searchParams.get('state') !== pending.state) {
      throw new OpenEmrApiError('The sign-in answer does not belong to this login (state)', null);
    }
    const code = callback.searchParams.get('code');
    if (code === null) throw new OpenEmrApiError('The address carries no authorization code', null);
    const credentials = await this.credentials();
    const tokens = await this.token(credentials, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: pending.redirectUri,
      code_verifier: pending.verifier,
    });
    if (!tokens.refresh_token) {
      throw new OpenEmrApiError('OpenEMR issued no refresh token (scope offline_access)', null);
    }
    await this.vault.write({ ...credentials, refreshToken: tokens.refresh_token });
    this.remember(tokens);
  }

  /** POST /api/patient/{pid}/message; returns OpenEMR's message id. */
  async sendMessage(
    pid: number,
    message: { body: string; from: string; to: string; title: string },
  ): Promise<number> {
    const url = `${this.apiBaseUrl.replace(/\/+$/u, '')}/patient/${pid}/message`;
    const payload = { ...message, groupname: 'Default', message_status: 'New' };
    let response = await this.post(url, { json: payload, bearer: await this.accessToken() }, false);
    if (response.status === 401) {
      // Revoked or expired early: one fresh token, then give up until the next attempt.
      this.access = undefined;
      response = await this.post(url, { json: payload, bearer: await this.accessToken() }, false);
    }
    if (!response.ok) {
      throw new OpenEmrApiError(
        `OpenEMR refused the message (HTTP ${response.status})`,
        response.status,
      );
    }
    const body = (await response.json()) as {
      mid?: number | string;
      data?: { mid?: number | string };
    };
    const mid = Number(body.mid ?? body.data?.mid);
    if (!Number.isFinite(mid))
      throw new OpenEmrApiError('OpenEMR returned no message id', response.status);
    return mid;
  }

  async accessToken(): Promise<string> {
    if (this.access !== undefined && this.access.expiresAt > Date.now() + EXPIRY_MARGIN_MS) {
      return this.access.token;
    }
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<string> {
    const credentials = await this.credentials();
    if (!credentials.refreshToken) {
      throw new OpenEmrApiError(
        'Not signed in to OpenEMR: run `npm run cli -- openemr:login`',
        null,
      );
    }
    const tokens = await this.token(credentials, {
      grant_type: 'refresh_token',
      refresh_token: credentials.refreshToken,
    });
    if (tokens.refresh_token) {
      await this.vault.write({ ...credentials, refreshToken: tokens.refresh_token });
    }
    return this.remember(tokens);
  }

  private remember(tokens: TokenResponse): string {
    if (!tokens.access_token) throw new OpenEmrApiError('OpenEMR issued no access token', null);
    this.access = {
      token: tokens.access_token,
      expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000,
    };
    return tokens.access_token;
  }

  private async credentials(): Promise<OpenEmrApiCredentials> {
    const credentials = await this.vault.read();
    if (credentials === null) {
      throw new OpenEmrApiError('No OpenEMR API client: run `npm run cli -- openemr:login`', null);
    }
    return credentials;
  }

  private async token(
    credentials: OpenEmrApiCredentials,
    grant: Record<string, string>,
  ): Promise<TokenResponse> {
    const response = await this.post(`${oauthBaseOf(this.apiBaseUrl)}/token`, {
      form: { ...grant, client_id: credentials.clientId, client_secret: credentials.clientSecret },
    });
    return (await response.json()) as TokenResponse;
  }

  private async post(
    url: string,
    body: { json?: unknown; form?: Record<string, string>; bearer?: string },
    requireOk = true,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body.bearer) headers.authorization = `Bearer ${body.bearer}`;
    let payload: string;
    if (body.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(body.form).toString();
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: 'POST',
        headers,
        body: payload,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new OpenEmrApiError(
        `OpenEMR's API does not answer (${error instanceof Error ? error.name : 'network'})`,
        null,
      );
    }
    if (requireOk && !response.ok) {
      throw new OpenEmrApiError(
        `OpenEMR answered HTTP ${response.status} at ${new URL(url).pathname}`,
        response.status,
      );
    }
    return response;
  }
}
