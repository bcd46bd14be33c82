/** The outbox's lease and retry policy (OutboxRepository's LeasedQueue applies it). */
import type { WorkPolicy } from '../database/work-policy';

/**
 * How long a claimed row belongs to its dispatcher before another may retry
 * it. Short, so a crashed owner's unfinished rows wait a minute at most; a live
 * dispatcher renews its batch while it works (BatchLease).
 */
export const LEASE_MS = 60_000;
/** A live dispatcher renews this often: two renewals may fail before its lease runs out. */
export const RENEW_EVERY_MS = LEASE_MS / 3;
/**
 * Attempts before a row is parked as `failed`: with the waits below, about ten
 * hours of OpenEMR being down, unreachable recipients or refused grants.
 */
export const MAX_ATTEMPTS = 20;

/** Waits of 30 s, 1 min, 2 min... at most an hour, jittered (work-policy.ts). */
export const OUTBOX_POLICY: WorkPolicy = {
  leaseMs: LEASE_MS,
  firstRetryMs: 30_000,
  longestWaitMs: 60 * 60_000,
  maxAttempts: MAX_ATTEMPTS,
};
