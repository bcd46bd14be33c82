import { instantOfOpenEmrDateTime, openEmrDate, openEmrDateTime } from './openemr-wall-clock';

describe('OpenEMR wall-clock times', () => {
  it("writes the clinic's local time, as OpenEMR's PHP date() does", () => {
    const at = new Date('2026-07-04T03:30:15.900Z');
    expect(openEmrDateTime(at, 'America/New_York')).toBe('2026-07-03 23:30:15');
    expect(openEmrDate(at, 'America/New_York')).toBe('2026-07-03');
    expect(openEmrDateTime(at, 'UTC')).toBe('2026-07-04 03:30:15');
  });

  it('reads a wall-clock time back as the instant it was, across daylight saving', () => {
    expect(instantOfOpenEmrDateTime('2026-03-08 03:30:00', 'America/New_York').toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
    expect(instantOfOpenEmrDateTime('2026-03-07 23:00:00', 'America/New_York').toISOString()).toBe(
      '2026-03-08T04:00:00.000Z',
    );
    expect(instantOfOpenEmrDateTime('2026-11-20 10:30:00', 'Europe/Paris').toISOString()).toBe(
      '2026-11-20T09:30:00.000Z',
    );
  });
});
