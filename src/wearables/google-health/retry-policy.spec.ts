import {
  failureBackoffMs,
  LONGEST_INLINE_WAIT_MS,
  nextSyncDelayMs,
  parseRetryAfter,
  retryDelayMs,
} from './retry-policy';

describe('retryDelayMs', () => {
  it('honours Retry-After, and gives up when it is longer than a sync should wait', () => {
    expect(retryDelayMs(1, { kind: 'rate-limited', retryAfterMs: 2000 }, 0.5)).toBe(2000);
    expect(
      retryDelayMs(1, { kind: 'rate-limited', retryAfterMs: LONGEST_INLINE_WAIT_MS + 1 }, 0.5),
    ).toBeNull();
  });

  it('backs off exponentially with equal jitter otherwise', () => {
    const server = { kind: 'server-error' } as const;
    expect(retryDelayMs(1, server, 0)).toBe(500);
    expect(retryDelayMs(1, server, 0.999)).toBe(1000);
    expect(retryDelayMs(2, server, 0)).toBe(1000);
    expect(retryDelayMs(4, { kind: 'rate-limited', retryAfterMs: null }, 1)).toBe(8000);
  });

  it('stops after a bounded number of attempts', () => {
    expect(retryDelayMs(3, { kind: 'server-error' }, 0)).toBeNull();
    expect(retryDelayMs(3, { kind: 'timeout' }, 0)).toBeNull();
    expect(retryDelayMs(4, { kind: 'rate-limited', retryAfterMs: null }, 0)).not.toBeNull();
    expect(retryDelayMs(5, { kind: 'rate-limited', retryAfterMs: null }, 0)).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-28T15:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 15:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});

describe('failureBackoffMs', () => {
  const hour = 3_600_000;
  it('retries soon at first, never later than the interval, then for hours', () => {
    expect(failureBackoffMs(1, hour, 0.5)).toBe(5 * 60_000);
    expect(failureBackoffMs(3, hour, 0.5)).toBe(20 * 60_000);
    expect(failureBackoffMs(3, 10 * 60_000, 0.5)).toBe(10 * 60_000);
    expect(failureBackoffMs(4, hour, 0.5)).toBe(6 * hour);
    expect(failureBackoffMs(4, hour, 0)).toBe(0.9 * 6 * hour);
  });

  it('spreads regular syncs by +-10%', () => {
    expect(nextSyncDelayMs(hour, 0)).toBe(0.9 * hour);
    expect(nextSyncDelayMs(hour, 0.5)).toBe(hour);
  });
});
