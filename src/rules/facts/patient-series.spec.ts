import { buildDays } from '../../../test/fixtures/rules/build-days';
import { epochDay, PatientSeries, wholeDaysBetween } from './patient-series';

describe('epochDay', () => {
  it('agrees with Date for every day from 1900 to 2199', () => {
    const mismatches: string[] = [];
    for (let ms = Date.UTC(1900, 0, 1); ms < Date.UTC(2200, 0, 1); ms += 86_400_000) {
      const date = new Date(ms).toISOString().slice(0, 10);
      if (epochDay(date) !== ms / 86_400_000) mismatches.push(date);
    }
    expect(mismatches).toEqual([]);
  });

  it.each(['2026-13-01', '2026-1-01', 'abcd-01-01', '2026-02-14T00', ''])('rejects %p', (date) => {
    expect(() => epochDay(date)).toThrow('Not a YYYY-MM-DD date');
  });
});

describe('PatientSeries', () => {
  it('indexes rows by day, whatever their order, with NaN for days without data', () => {
    const [first, second, third] = buildDays('2026-03-01', { steps: [100, null, 300] });
    const series = new PatientSeries([third, first, second], {
      lastSyncAt: null,
      lastDeviceSyncAt: null,
    });
    expect([series.length, series.indexOf('2026-03-03'), series.indexOf('2026-02-28')]).toEqual([
      3, 2, -1,
    ]);
    expect(Array.from(series.column('steps'))).toEqual([100, NaN, 300]);
    expect(Array.from(series.column('weightKg'))).toEqual([NaN, NaN, NaN]);
  });
});

describe('wholeDaysBetween', () => {
  it('counts completed days and never goes below zero', () => {
    const from = new Date('2026-03-01T12:00:00Z');
    expect(wholeDaysBetween(from, new Date('2026-03-04T11:59:59Z'))).toBe(2);
    expect(wholeDaysBetween(from, new Date('2026-03-04T12:00:00Z'))).toBe(3);
    expect(wholeDaysBetween(from, new Date('2026-02-27T00:00:00Z'))).toBe(0);
  });
});
