import { buildDays } from '../../../test/fixtures/rules/build-days';
import { PatientSeries, wholeDaysBetween } from './patient-series';

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
