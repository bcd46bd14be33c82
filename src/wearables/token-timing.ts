/** Refresh this long before Google's stated expiry, so a sync never starts with a dying token. */
export const ACCESS_TOKEN_MARGIN_MS = 5 * 60_000;
const FIRST_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 60 * 60_000;

/** Whether a stored access token can still be used at `now`. */
export function accessTokenUsable(expiresAt: Date | null, now: Date): boolean {
  return expiresAt !== null && expiresAt.getTime() - ACCESS_TOKEN_MARGIN_MS > now.getTime();
}

/** When a token answer with `expires_in` seconds, received at `now`, expires. */
export function accessTokenExpiry(expiresInSeconds: number, now: Date): Date {
  return new Date(now.getTime() + Math.max(0, expiresInSeconds) * 1000);
}

/**
 * Wait after the n-th consecutive transient failure of the token endpoint:
 * 30 s, 1 min, 2 min... capped at an hour.
 */
export function refreshBackoffMs(consecutiveFailures: number): number {
  const exponent = Math.max(0, consecutiveFailures - 1);
  return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(exponent, 20));
}
