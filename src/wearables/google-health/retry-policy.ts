/**
 * Decisions about waiting, as plain functions of attempt counts and a random
 * number in [0, 1), so they are tested without clocks or servers.
 */

/** A request that failed in a way worth retrying. */
export type TransientFailure =
  | { kind: 'rate-limited'; retryAfterMs: number | null }
  | { kind: 'server-error' }
  | { kind: 'timeout' };

/** 429s are retried more often than 5xx: Google asks us to slow down, not that it is broken. */
export const MAX_ATTEMPTS = { 'rate-limited': 5, 'server-error': 3, timeout: 3 } as const;
export const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
/** A Retry-After longer than this ends the sync; the connection comes back after it. */
export const LONGEST_INLINE_WAIT_MS = 60_000;

/**
 * How long to wait before attempt `attempt + 1` after `failure`, or null to
 * give up. Retry-After is honoured when present; otherwise exponential backoff
 * with "equal jitter" (half fixed, half random) so retries of many workers spread out.
 */
export function retryDelayMs(
  attempt: number,
  failure: TransientFailure,
  random: number,
  firstRetryMs = FIRST_RETRY_MS,
): number | null {
  if (attempt >= MAX_ATTEMPTS[failure.kind]) return null;
  if (failure.kind === 'rate-limited' && failure.retryAfterMs !== null) {
    return failure.retryAfterMs <= LONGEST_INLINE_WAIT_MS ? failure.retryAfterMs : null;
  }
  const ceiling = Math.min(MAX_RETRY_MS, firstRetryMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** After this many failed syncs in a row a connection backs off for hours. */
export const REPEATED_FAILURES = 4;
const LONG_BACKOFF_MS = 6 * 3_600_000;
const FIRST_SYNC_RETRY_MS = 5 * 60_000;

/**
 * When a connection whose sync failed `consecutiveFailures` times in a row is
 * tried again: 5, 10, 20 minutes (never later than its normal interval), then
 * six hours once failures repeat. Jitter of +-10% keeps a failing cohort from
 * coming back in one burst.
 */
export function failureBackoffMs(
  consecutiveFailures: number,
  intervalMs: number,
  random: number,
): number {
  const base =
    consecutiveFailures >= REPEATED_FAILURES
      ? LONG_BACKOFF_MS
      : Math.min(intervalMs, FIRST_SYNC_RETRY_MS * 2 ** (consecutiveFailures - 1));
  return Math.round(base * (0.9 + 0.2 * random));
}

/** The next regular sync: the patient's interval, +-10% so syncs spread over the interval. */
export function nextSyncDelayMs(intervalMs: number, random: number): number {
  return Math.round(intervalMs * (0.9 + 0.2 * random));
}
