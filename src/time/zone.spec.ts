import {
  isTimeZone,
  localDateAt,
  localHourAt,
  startOfLocalDay,
  zonedInstant,
  zonedTimestamp,
  zoneOffsetSeconds,
} from './zone';

describe('civil time in zones', () => {
  it('reads the civil date and hour of an instant in a zone', () => {
    const instant = new Date('2026-03-01T03:30:00Z');
    expect(localDateAt(instant, 'America/New_York')).toBe('2026-02-28');
    expect(localHourAt(instant, 'America/New_York')).toBe(22);
    expect(localDateAt(instant, 'Asia/Kolkata')).toBe('2026-03-01');
    expect(localHourAt(instant.getTime(), 'Asia/Kolkata')).toBe(9);
  });

  it('starts a day at local midnight, across daylight saving changes', () => {
    expect(startOfLocalDay('2026-03-08', 'America/New_York').toISOString()).toBe(
      '2026-03-08T05:00:00.000Z',
    );
    expect(startOfLocalDay('2026-03-09', 'America/New_York').toISOString()).toBe(
      '2026-03-09T04:00:00.000Z',
    );
    expect(startOfLocalDay('2026-10-25', 'Europe/London').toISOString()).toBe(
      '2026-10-24T23:00:00.000Z',
    );
  });

  it('finds the instant of a local time and the offset in force', () => {
    expect(new Date(zonedInstant('2026-03-08', 12 * 60, 'America/New_York')).toISOString()).toBe(
      '2026-03-08T16:00:00.000Z',
    );
    expect(zoneOffsetSeconds('Asia/Kolkata', Date.UTC(2026, 0, 1))).toBe(19_800);
    expect(zoneOffsetSeconds('UTC', Date.UTC(2026, 0, 1))).toBe(0);
    expect(zoneOffsetSeconds('America/New_York', Date.UTC(2026, 6, 1))).toBe(-4 * 3600);
  });

  it('knows a time zone name from anything else', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });

  it('labels a timestamp with the zone whose clock it is on', () => {
    const instant = new Date('2026-03-08T08:30:00Z');
    expect(zonedTimestamp(instant, 'America/Chicago')).toBe('2026-03-08 03:30 America/Chicago');
    expect(zonedTimestamp(instant, 'UTC')).toBe('2026-03-08 08:30 UTC');
  });
});
