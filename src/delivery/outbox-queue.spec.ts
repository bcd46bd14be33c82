import { retryDelayMs } from './outbox-queue';

describe('retry backoff', () => {
  it('doubles from 30 seconds and never waits more than an hour', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(8)).toBe(3_600_000);
    expect(retryDelayMs(50)).toBe(3_600_000);
  });
});
