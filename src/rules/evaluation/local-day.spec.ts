import { evaluationDay, localDateAt, localHourAt, startOfLocalDay } from './local-day';

describe('local days', () => {
  it('reads the civil date and hour of an instant in a zone', () => {
    const instant = new Date('2026-03-01T03:30:00Z');
    expect(localDateAt(instant, 'America/New_York')).toBe('2026-02-28');
    expect(localHourAt(instant, 'America/New_York')).toBe(22);
    expect(localDateAt(instant, 'Asia/Kolkata')).toBe('2026-03-01');
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

  it('stands an evaluation at the last millisecond of the local day', () => {
    expect(evaluationDay('2026-03-08', 'America/New_York')).toEqual({
      date: '2026-03-08',
      asOf: new Date('2026-03-09T03:59:59.999Z'),
    });
    expect(evaluationDay('2026-03-08', 'UTC').asOf.toISOString()).toBe('2026-03-08T23:59:59.999Z');
  });
});
