/** Tokens from a provider's token endpoint. */
export interface TokenGrant {
  accessToken: string;
  /** Present on a code exchange with offline access; refreshes usually omit it. */
  refreshToken?: string;
  expiresInSeconds: number;
  /** What the patient actually granted (they can untick scopes). */
  scopes: string[];
}

/** Who the patient is at the provider, and the settings Vigil needs. */
export interface WearableAccount {
  accountId: string;
  /** The former Fitbit user id, when the provider knows it. */
  legacyAccountId: string | null;
  /** IANA zone; null when the patient did not grant the settings scope. */
  timeZone: string | null;
}

/** The provider refused the refresh token: revoked by the patient, or expired. */
export class InvalidGrantError extends Error {
  constructor() {
    super('The provider refused the stored grant (invalid_grant): the patient must consent again');
    this.name = 'InvalidGrantError';
  }
}

/** The token endpoint failed; `transient` failures are retried after a back-off. */
export class TokenEndpointError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'TokenEndpointError';
  }
}

/**
 * A wearable data provider as consent and token upkeep see it. The Google
 * Health adapter implements it; ingestion adds reading data points.
 */
export interface WearableSource {
  readonly provider: string;
  /** Scopes to ask for, in the order the consent page lists them. */
  readonly requestedScopes: readonly string[];
  consentUrl(request: { state: string; codeChallenge: string }): string;
  exchangeCode(code: string, codeVerifier: string): Promise<TokenGrant>;
  refresh(refreshToken: string): Promise<TokenGrant>;
  /** True when the provider confirmed, or the token was already dead. */
  revoke(token: string): Promise<boolean>;
  account(accessToken: string, scopes: readonly string[]): Promise<WearableAccount>;
}

/** Nest injection token for the configured WearableSource. */
export const WEARABLE_SOURCE = Symbol('WearableSource');
