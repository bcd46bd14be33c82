import { attemptsSpent, retryDelayMs, type WorkPolicy } from './work-policy';

const policy: WorkPolicy = {
  leaseMs: 60_000,
  firstRetryMs: 10_000,
  longestWaitMs: 60_000,
  maxAttempts: 5,
};

describe('work retry policy', () => {
  it('doubles the wait from the first retry and never waits longer than the cap', () => {
    const most = (attempts: number): number => retryDelayMs(policy, attempts, () => 1);
    expect([1, 2, 3, 4].map(most)).toEqual([10_000, 20_000, 40_000, 60_000]);
    expect(most(50)).toBe(60_000);
  });

  it('waits between half and all of that, so items that failed together spread out', () => {
    expect(retryDelayMs(policy, 1, () => 0)).toBe(5_000);
    expect(retryDelayMs(policy, 50, () => 0)).toBe(30_000);
    const waits = new Set(Array.from({ length: 20 }, () => retryDelayMs(policy, 3)));
    expect(waits.size).toBeGreaterThan(1);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(20_000);
      expect(wait).toBeLessThanOrEqual(40_000);
    }
  });

  it('spends the attempts at the last one', () => {
    expect(attemptsSpent(policy, 4)).toBe(false);
    expect(attemptsSpent(policy, 5)).toBe(true);
  });
});
