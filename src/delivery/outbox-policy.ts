/** The outbox's lease and retry policy (OutboxRepository applies it). */

/**
 * How long a claimed row belongs to its dispatcher before another may retry
 * it. Short, so a crashed owner's unfinished rows wait a minute at most; a live
 * dispatcher renews its batch while it works (BatchLease).
 */
export const LEASE_MS = 60_000;
/** A live dispatcher renews this often: two renewals may fail before its lease runs out. */
export const RENEW_EVERY_MS = LEASE_MS / 3;
const FIRST_RETRY_MS = 30_000;
const LONGEST_WAIT_MS = 60 * 60_000;
/**
 * Attempts before a row is parked as `failed`: with the waits below, about ten
 * hours of OpenEMR being down, unreachable recipients or refused grants.
 */
export const MAX_ATTEMPTS = 20;

/**
 * 30 s, 1 min, 2 min... at most an hour, each between half and all of that
 * (jitter: rows that failed together, when OpenEMR went down, do not all come
 * back in the same second).
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), LONGEST_WAIT_MS);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
