import { partialFrom } from './rule-backtests.service';

describe('partialFrom: the first backtest day still being measured', () => {
  // 03:30 UTC on 7 December: still the 6th in Chicago, the 7th in UTC and Tokyo.
  const now = new Date('2026-12-07T03:30:00Z');

  it("is the earliest of the patients' local todays, when the range reaches it", () => {
    const cohort = [{ timeZone: 'Asia/Tokyo' }, { timeZone: 'America/Chicago' }];
    expect(partialFrom(cohort, '2026-12-07', now)).toBe('2026-12-06');
    expect(partialFrom([{ timeZone: 'UTC' }], '2026-12-07', now)).toBe('2026-12-07');
  });

  it('is null when every day of the range is complete, or nobody is in it', () => {
    expect(partialFrom([{ timeZone: 'America/Chicago' }], '2026-12-05', now)).toBeNull();
    expect(partialFrom([{ timeZone: 'UTC' }], '2026-12-06', now)).toBeNull();
    expect(partialFrom([], '2026-12-07', now)).toBeNull();
  });
});
