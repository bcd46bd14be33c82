import { accessTokenExpiry, accessTokenUsable, refreshBackoffMs } from './token-timing';

describe('token timing', () => {
  const now = new Date('2026-11-28T12:00:00Z');

  it('refreshes five minutes before the stated expiry', () => {
    expect(accessTokenUsable(new Date('2026-11-28T12:05:01Z'), now)).toBe(true);
    expect(accessTokenUsable(new Date('2026-11-28T12:05:00Z'), now)).toBe(false);
    expect(accessTokenUsable(null, now)).toBe(false);
  });

  it('computes expiry from expires_in', () => {
    expect(accessTokenExpiry(3599, now).toISOString()).toBe('2026-11-28T12:59:59.000Z');
    expect(accessTokenExpiry(-5, now)).toEqual(now);
  });

  it('backs off exponentially from 30 s, capped at an hour', () => {
    expect([1, 2, 3, 4].map(refreshBackoffMs)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(refreshBackoffMs(12)).toBe(3_600_000);
    expect(refreshBackoffMs(10_000)).toBe(3_600_000);
  });
});
