/**
 * How a leased queue treats its work (LeasedQueue applies it): how long a
 * claim belongs to its process, how long a failure waits, and after how many
 * attempts the work is parked as failed for someone to look at. Pure.
 */
export interface WorkPolicy {
  /** How long a claimed item belongs to its process before another may take it. */
  leaseMs: number;
  /** The wait after a first failure; each further failure doubles it... */
  firstRetryMs: number;
  /** ...up to this. */
  longestWaitMs: number;
  /** Attempts (claims) before the item is parked as failed instead of tried again. */
  maxAttempts: number;
}

/**
 * The wait before attempt `attempts + 1`: doubling from `firstRetryMs`, capped
 * at `longestWaitMs`, each between half and all of that (jitter: items that
 * failed together, when a dependency went down, do not all come back in the
 * same second). `random` is in [0, 1).
 */
export function retryDelayMs(
  policy: Pick<WorkPolicy, 'firstRetryMs' | 'longestWaitMs'>,
  attempts: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    policy.firstRetryMs * 2 ** Math.max(0, attempts - 1),
    policy.longestWaitMs,
  );
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Whether a failure on this attempt parks the item: no attempts are left. */
export function attemptsSpent(policy: Pick<WorkPolicy, 'maxAttempts'>, attempts: number): boolean {
  return attempts >= policy.maxAttempts;
}
