/**
 * Google OAuth 2.0 as the simulator plays it: authorization codes with PKCE,
 * refresh tokens that are not rotated, revocation of a whole grant.
 * Token values never leave this module except in responses to their owner.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** Allowed redirect URIs; empty = any http(s) URI (the simulator is a test double). */
  redirectUris: string[];
}

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  userId: string;
  scopes: string[];
  codeChallenge: string | null;
  offline: boolean;
  /** include_granted_scopes=true: the new grant adds to what the user granted before. */
  includeGrantedScopes: boolean;
}

interface Grant {
  clientId: string;
  userId: string;
  scopes: string[];
  revoked: boolean;
  refreshToken: string | null;
}

interface AuthorizationCode extends AuthorizationRequest {
  expiresAtMs: number;
  used: boolean;
}

interface AccessToken {
  grant: Grant;
  expiresAtMs: number;
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
  token_type: 'Bearer';
}

export interface OAuthErrorBody {
  error: string;
  error_description: string;
}

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly body: OAuthErrorBody,
  ) {
    super(body.error_description);
  }
}

export interface TokenLookup {
  userId: string;
  scopes: readonly string[];
}

const ACCESS_TOKEN_SECONDS = 3599;
const CODE_LIFETIME_MS = 10 * 60_000;

function secureEquals(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function randomToken(prefix: string, bytes: number): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

export class OAuthServer {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly grants = new Map<string, Grant>();
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private tokenRequestCount = 0;
  private readonly tokenRequestsByGrantType = new Map<string, number>();

  constructor(
    readonly clients: readonly OAuthClient[],
    private readonly now: () => number,
  ) {}

  client(clientId: string): OAuthClient | undefined {
    return this.clients.find((client) => client.clientId === clientId);
  }

  redirectUriAllowed(client: OAuthClient, redirectUri: string): boolean {
    if (client.redirectUris.length > 0) return client.redirectUris.includes(redirectUri);
    return /^https?:\/\//.test(redirectUri);
  }

  /** Issues a single-use code for an approved consent. */
  issueCode(request: AuthorizationRequest): string {
    const code = randomToken('4/sim-', 32);
    this.codes.set(code, { ...request, expiresAtMs: this.now() + CODE_LIFETIME_MS, used: false });
    return code;
  }

  /** The token endpoint: `params` is the form body, `basicAuth` the decoded HTTP Basic pair. */
  token(params: URLSearchParams, basicAuth: { id: string; secret: string } | null): TokenResponse {
    const grantType = params.get('grant_type') ?? '';
    this.tokenRequestCount += 1;
    this.tokenRequestsByGrantType.set(
      grantType,
      (this.tokenRequestsByGrantType.get(grantType) ?? 0) + 1,
    );
    const clientId = basicAuth?.id ?? params.get('client_id') ?? '';
    const clientSecret = basicAuth?.secret ?? params.get('client_secret') ?? '';
    const client = this.client(clientId);
    if (!client || !secureEquals(client.clientSecret, clientSecret)) {
      throw new OAuthError(401, {
        error: 'invalid_client',
        error_description: 'The OAuth client was not found.',
      });
    }
    if (grantType === 'authorization_code') return this.exchangeCode(client, params);
    if (grantType === 'refresh_token') return this.refresh(client, params);
    throw new OAuthError(400, {
      error: 'unsupported_grant_type',
      error_description: `Invalid grant_type: ${grantType}`,
    });
  }

  private exchangeCode(client: OAuthClient, params: URLSearchParams): TokenResponse {
    const invalid = (description: string): OAuthError =>
      new OAuthError(400, { error: 'invalid_grant', error_description: description });
    const code = this.codes.get(params.get('code') ?? '');
    if (!code || code.clientId !== client.clientId) throw invalid('Malformed auth code.');
    if (code.used) {
      // Google revokes what a replayed code produced.
      const grant = this.grants.get(`${code.clientId}|${code.userId}`);
      if (grant) this.revokeGrant(grant);
      throw invalid('Bad Request');
    }
    code.used = true;
    if (code.expiresAtMs < this.now()) throw invalid('Bad Request');
    if (params.get('redirect_uri') !== code.redirectUri) {
      throw new OAuthError(400, {
        error: 'redirect_uri_mismatch',
        error_description: 'Bad Request',
      });
    }
    if (code.codeChallenge !== null) {
      const verifier = params.get('code_verifier') ?? '';
      const computed = createHash('sha256').update(verifier).digest('base64url');
      if (!verifier || !secureEquals(computed, code.codeChallenge))
        throw invalid('Invalid code verifier.');
    }
    const key = `${client.clientId}|${code.userId}`;
    let grant = this.grants.get(key);
    if (!grant || grant.revoked) {
      grant = {
        clientId: client.clientId,
        userId: code.userId,
        scopes: [],
        revoked: false,
        refreshToken: null,
      };
      this.grants.set(key, grant);
    }
    grant.scopes = code.includeGrantedScopes
      ? [...new Set([...grant.scopes, ...code.scopes])]
      : [...code.scopes];
    const response = this.issueAccessToken(grant);
    if (code.offline) {
      if (grant.refreshToken) this.refreshTokens.delete(grant.refreshToken);
      grant.refreshToken = randomToken('1//sim-', 48);
      this.refreshTokens.set(grant.refreshToken, grant);
      response.refresh_token = grant.refreshToken;
    }
    return response;
  }

  private refresh(client: OAuthClient, params: URLSearchParams): TokenResponse {
    const grant = this.refreshTokens.get(params.get('refresh_token') ?? '');
    if (!grant || grant.revoked || grant.clientId !== client.clientId) {
      throw new OAuthError(400, {
        error: 'invalid_grant',
        error_description: 'Token has been expired or revoked.',
      });
    }
    return this.issueAccessToken(grant);
  }

  private issueAccessToken(grant: Grant): TokenResponse {
    this.pruneExpiredAccessTokens();
    const accessToken = randomToken('ya29.sim-', 96);
    this.accessTokens.set(accessToken, {
      grant,
      expiresAtMs: this.now() + ACCESS_TOKEN_SECONDS * 1000,
    });
    return {
      access_token: accessToken,
      expires_in: ACCESS_TOKEN_SECONDS,
      scope: grant.scopes.join(' '),
      token_type: 'Bearer',
    };
  }

  private pruneExpiredAccessTokens(): void {
    if (this.accessTokens.size < 10_000) return;
    const now = this.now();
    for (const [token, entry] of this.accessTokens)
      if (entry.expiresAtMs <= now) this.accessTokens.delete(token);
  }

  /** Mints tokens without the browser dance (benchmarks, seeding); same as a code exchange. */
  grant(clientId: string, userId: string, scopes: readonly string[]): TokenResponse {
    const client = this.client(clientId);
    if (!client) throw new Error(`unknown client ${clientId}`);
    const code = this.issueCode({
      clientId,
      redirectUri: 'http://sim.invalid/',
      userId,
      scopes: [...scopes],
      codeChallenge: null,
      offline: true,
      includeGrantedScopes: false,
    });
    return this.exchangeCode(
      client,
      new URLSearchParams({ code, redirect_uri: 'http://sim.invalid/' }),
    );
  }

  /** `POST /revoke`: an access or refresh token revokes its whole grant, as at Google. */
  revokeToken(token: string): boolean {
    const grant = this.refreshTokens.get(token) ?? this.accessTokens.get(token)?.grant;
    if (!grant || grant.revoked) return false;
    this.revokeGrant(grant);
    return true;
  }

  /** Test hook: the user removes the app's access in their Google account. */
  revokeUser(userId: string): number {
    let revoked = 0;
    for (const grant of this.grants.values()) {
      if (grant.userId === userId && !grant.revoked) {
        this.revokeGrant(grant);
        revoked += 1;
      }
    }
    return revoked;
  }

  /** Test hook: expire access tokens now (all, or one user's), so the next call gets 401. */
  expireAccessTokens(userId?: string): number {
    let expired = 0;
    const now = this.now();
    for (const entry of this.accessTokens.values()) {
      if (userId === undefined || entry.grant.userId === userId) {
        entry.expiresAtMs = Math.min(entry.expiresAtMs, now - 1);
        expired += 1;
      }
    }
    return expired;
  }

  private revokeGrant(grant: Grant): void {
    grant.revoked = true;
    if (grant.refreshToken) this.refreshTokens.delete(grant.refreshToken);
    for (const [token, entry] of this.accessTokens)
      if (entry.grant === grant) this.accessTokens.delete(token);
  }

  /** Resolves a bearer token: `expired` and `unknown` both mean 401 to the caller. */
  lookup(accessToken: string): TokenLookup | 'expired' | 'unknown' {
    const entry = this.accessTokens.get(accessToken);
    if (!entry || entry.grant.revoked) return 'unknown';
    if (entry.expiresAtMs <= this.now()) return 'expired';
    return { userId: entry.grant.userId, scopes: entry.grant.scopes };
  }

  tokenRequests(grantType?: string): number {
    return grantType === undefined
      ? this.tokenRequestCount
      : (this.tokenRequestsByGrantType.get(grantType) ?? 0);
  }

  resetCounters(): void {
    this.tokenRequestCount = 0;
    this.tokenRequestsByGrantType.clear();
  }
}
