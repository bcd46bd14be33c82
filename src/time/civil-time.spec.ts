import {
  addDays,
  civilDateTime,
  dateOfDayNumber,
  dayNumber,
  dayNumberOfDate,
  daysBetween,
  formatLocalTimestamp,
  localDayNumber,
  parseDurationSeconds,
  parseTimestamp,
} from './civil-time';

describe('civil time arithmetic', () => {
  it('maps day numbers of years 1-9999 to the dates the platform calendar gives', () => {
    for (let day = -719_162; day <= 2_932_896; day += 997) {
      const expected = new Date(day * 86_400_000).toISOString().slice(0, 10);
      expect(dateOfDayNumber(day)).toBe(expected);
      expect(dayNumberOfDate(expected)).toBe(day);
    }
  });

  it('rejects strings that are not calendar dates', () => {
    expect(dayNumberOfDate('2026-02-29')).toBeUndefined();
    expect(dayNumberOfDate('2028-02-29')).toBe(Date.UTC(2028, 1, 29) / 86_400_000);
    expect(dayNumberOfDate('2026-13-01')).toBeUndefined();
    expect(dayNumberOfDate('20261101')).toBeUndefined();
  });

  it('numbers every day from 1900 to 2199 as the platform calendar does', () => {
    const mismatches: string[] = [];
    for (let ms = Date.UTC(1900, 0, 1); ms < Date.UTC(2200, 0, 1); ms += 86_400_000) {
      const date = new Date(ms).toISOString().slice(0, 10);
      if (dayNumber(date) !== ms / 86_400_000) mismatches.push(date);
    }
    expect(mismatches).toEqual([]);
  });

  it.each(['2026-13-01', '2026-02-30', '2026-1-01', 'abcd-01-01', '2026-02-14T00', ''])(
    'names %p when it is not a local date',
    (date) => {
      expect(() => dayNumber(date)).toThrow(`not a local date (YYYY-MM-DD): ${date}`);
    },
  );

  it('counts calendar days across month, year and leap-day boundaries', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-03-07', '2026-03-09')).toBe(2);
    expect(daysBetween('2026-03-09', '2026-03-07')).toBe(-2);
    expect(daysBetween('2027-12-31', '2029-01-01')).toBe(367);
  });

  it('parses RFC 3339 timestamps with Z, offsets and nanoseconds', () => {
    expect(parseTimestamp('2026-11-27T06:30:00Z')).toBe(Date.UTC(2026, 10, 27, 6, 30));
    expect(parseTimestamp('2026-11-27T06:30:00.123456789Z')).toBe(
      Date.UTC(2026, 10, 27, 6, 30, 0, 123),
    );
    expect(parseTimestamp('2026-11-27T06:30:00.5Z')).toBe(Date.UTC(2026, 10, 27, 6, 30, 0, 500));
    expect(parseTimestamp('2026-11-26T23:30:00-07:00')).toBe(Date.UTC(2026, 10, 27, 6, 30));
    expect(parseTimestamp('2026-11-27T12:00:00+05:30')).toBe(Date.UTC(2026, 10, 27, 6, 30));
  });

  it('agrees with the platform parser on many instants, offsets and fractions', () => {
    let seed = 7;
    const next = (n: number) => (seed = (seed * 48_271) % 2_147_483_647) % n;
    for (let k = 0; k < 2000; k++) {
      const epochMs = Date.UTC(1990, 0, 1) + next(1_000_000) * 1_000_000 + next(1000);
      const offsetMinutes = (next(2) ? 1 : -1) * next(14 * 4) * 15;
      const local = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 23);
      const sign = offsetMinutes < 0 ? '-' : '+';
      const abs = Math.abs(offsetMinutes);
      const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      const withNanos = `${local}${String(next(1_000_000)).padStart(6, '0')}${zone}`;
      expect([withNanos, parseTimestamp(withNanos)]).toEqual([withNanos, epochMs]);
    }
  });

  it('refuses timestamps that are not RFC 3339', () => {
    for (const bad of [
      '2026-11-27',
      '2026-11-27T06:30:00',
      '2026-02-30T00:00:00Z',
      '2026-11-27T24:00:00Z',
      '1732689000',
    ]) {
      expect(parseTimestamp(bad)).toBeUndefined();
    }
  });

  it('parses offsets written as protobuf durations', () => {
    expect(parseDurationSeconds('-25200s')).toBe(-25_200);
    expect(parseDurationSeconds('19800s')).toBe(19_800);
    expect(parseDurationSeconds('0s')).toBe(0);
    expect(parseDurationSeconds('-07:00')).toBeUndefined();
    expect(parseDurationSeconds('-25200')).toBeUndefined();
  });

  it('finds the local date from the instant and its own offset', () => {
    const instant = Date.UTC(2026, 10, 21, 6, 30);
    expect(dateOfDayNumber(localDayNumber(instant, -5 * 3600))).toBe('2026-11-21');
    expect(dateOfDayNumber(localDayNumber(instant, -8 * 3600))).toBe('2026-11-20');
    expect(dateOfDayNumber(localDayNumber(instant, 14 * 3600))).toBe('2026-11-21');
  });

  it('writes wall-clock times at an offset, flooring milliseconds', () => {
    expect(civilDateTime(Date.UTC(2026, 2, 8, 4, 0, 59, 999), -5 * 3600)).toBe(
      '2026-03-07T23:00:59',
    );
    expect(civilDateTime(Date.UTC(1969, 11, 31, 23, 59, 59), 0)).toBe('1969-12-31T23:59:59');
  });

  it('writes local timestamps with the offset in force', () => {
    expect(formatLocalTimestamp(Date.UTC(2026, 2, 8, 4, 0), -5 * 3600)).toBe(
      '2026-03-07T23:00:00-05:00',
    );
    expect(formatLocalTimestamp(Date.UTC(2026, 10, 27, 6, 30), 19_800)).toBe(
      '2026-11-27T12:00:00+05:30',
    );
    expect(formatLocalTimestamp(Date.UTC(2026, 10, 27, 6, 30, 15), 0)).toBe(
      '2026-11-27T06:30:15+00:00',
    );
  });
});
