import { retryDelayMs } from '../database/work-policy';
import { OUTBOX_POLICY } from './outbox-policy';

describe('outbox retry backoff', () => {
  it('doubles from 30 seconds and never waits more than an hour', () => {
    const most = (attempts: number): number => retryDelayMs(OUTBOX_POLICY, attempts, () => 1);
    expect([1, 2, 3, 4].map(most)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(most(8)).toBe(3_600_000);
    expect(most(50)).toBe(3_600_000);
  });

  it('waits between half and all of that, so rows that failed together spread out', () => {
    expect(retryDelayMs(OUTBOX_POLICY, 1, () => 0)).toBe(15_000);
    expect(retryDelayMs(OUTBOX_POLICY, 50, () => 0)).toBe(1_800_000);
  });
});
