import { buildDays } from '../../../test/fixtures/rules/build-days';
import { completeFactParams } from './complete-fact-params';
import { computeFact, FactInput } from './compute-fact';
import { FactName } from './fact-catalog';
import { PatientSeries, SyncStatus } from './patient-series';
import { summarise } from './summarise';

const NO_SYNC: SyncStatus = { lastSyncAt: null, lastDeviceSyncAt: null };

// Mar 1 .. Mar 10; gaps on Mar 3, Mar 6 and Mar 9.
const HR = [60, 62, null, 64, 66, null, 70, 72, null, 80];
const series = new PatientSeries(
  buildDays('2026-03-01', { restingHrProvider: HR, steps: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }),
  NO_SYNC,
);

function fact(
  name: FactName,
  params: Record<string, unknown>,
  date = '2026-03-10',
  on: PatientSeries = series,
): number | null {
  const input: FactInput = {
    series: on,
    day: on.indexOf(date),
    asOf: new Date(`${date}T23:59:00Z`),
  };
  return computeFact(name, completeFactParams(name, params, {}), input);
}

const hr = { metric: 'restingHrProvider' };

describe('window', () => {
  it.each([
    ['mean', 76],
    ['median', 76],
    ['min', 72],
    ['max', 80],
    ['sum', 152],
    ['count', 2],
    ['first', 72],
    ['last', 80],
    ['slope', 4],
  ])('%s over Mar 8-10 skips the missing Mar 9', (aggregate, expected) => {
    expect(fact('window', { ...hr, days: 3, aggregate })).toBe(expected);
  });

  it('ends endOffsetDays before the evaluation date', () => {
    expect(fact('window', { ...hr, days: 2, endOffsetDays: 5 })).toBe(65);
  });

  it('reports not enough data below minDays, but still counts', () => {
    expect(fact('window', { ...hr, days: 3, minDays: 3 })).toBeNull();
    expect(fact('window', { ...hr, days: 3, minDays: 3, aggregate: 'count' })).toBe(2);
  });

  it('needs two days for a slope', () => {
    expect(fact('window', { ...hr, days: 2, aggregate: 'slope' })).toBeNull();
  });

  it('reads only days before the series start or after its end as missing', () => {
    expect(fact('window', { ...hr, days: 30, aggregate: 'count' })).toBe(7);
    expect(fact('window', { ...hr, days: 3, aggregate: 'last' }, '2026-03-12')).toBe(80);
    expect(fact('window', { ...hr, days: 2 }, '2026-03-12')).toBeNull();
  });

  it('treats zero as data, not as missing', () => {
    expect(fact('window', { metric: 'steps', days: 10, aggregate: 'count' })).toBe(10);
  });
});

describe('baseline', () => {
  it('defaults to the median of days -34..-7 with at least 14 days', () => {
    expect(fact('baseline', hr)).toBeNull();
    expect(fact('baseline', { ...hr, minDays: 2 })).toBe(61);
    expect(fact('baseline', { ...hr, aggregate: 'count' })).toBe(2);
  });
});

describe('delta and percentChange', () => {
  const spans = { recent: { days: 1 }, baseline: { days: 3, endOffsetDays: 3 } };

  it('compare the recent value with the baseline median (Mar 5-7: 66, gap, 70)', () => {
    expect(fact('delta', { ...hr, ...spans })).toBe(12);
    expect(fact('percentChange', { ...hr, ...spans })).toBeCloseTo((12 / 68) * 100, 10);
  });

  it('report not enough data when either side has none', () => {
    expect(fact('delta', { ...hr, ...spans }, '2026-03-09')).toBeNull();
    expect(
      fact('delta', { ...hr, recent: { days: 1 }, baseline: { days: 1, endOffsetDays: 1 } }),
    ).toBeNull();
  });

  it('has no percent change from a zero baseline', () => {
    expect(fact('percentChange', { metric: 'steps', ...spans })).toBeNull();
  });
});

describe('zscore', () => {
  it('divides by the sample spread of the baseline days (Mar 6-9: 70 and 72)', () => {
    const z = fact('zscore', {
      ...hr,
      recent: { days: 1 },
      baseline: { days: 4, endOffsetDays: 1 },
    });
    expect(z).toBeCloseTo(9 / Math.SQRT2, 10);
  });

  it('reports not enough data for a single or flat baseline', () => {
    expect(
      fact('zscore', { ...hr, recent: { days: 1 }, baseline: { days: 2, endOffsetDays: 1 } }),
    ).toBeNull();
    expect(
      fact('zscore', {
        metric: 'steps',
        recent: { days: 1 },
        baseline: { days: 5, endOffsetDays: 1 },
      }),
    ).toBeNull();
  });
});

describe('streak', () => {
  const atLeast70 = { ...hr, operator: 'greaterThanInclusive', value: 70 };

  it('counts back from the latest day and stops at a day without data', () => {
    expect(fact('streak', atLeast70)).toBe(1);
    expect(fact('streak', { ...atLeast70, endOffsetDays: 2 })).toBe(2);
  });

  it('stops where the comparison fails', () => {
    expect(fact('streak', { ...hr, operator: 'greaterThan', value: 70 }, '2026-03-08')).toBe(1);
    expect(fact('streak', { ...hr, operator: 'lessThan', value: 65 }, '2026-03-08')).toBe(0);
  });

  it('stops at maxDays', () => {
    expect(fact('streak', { ...atLeast70, endOffsetDays: 2, maxDays: 1 })).toBe(1);
  });

  it('cannot tell without data on the latest day', () => {
    expect(fact('streak', atLeast70, '2026-03-09')).toBeNull();
    expect(fact('streak', atLeast70, '2026-03-11')).toBeNull();
  });

  it('compares with a baseline times factor plus offset (Mar 6-7 mean 70)', () => {
    const baseline = { days: 2, endOffsetDays: 3, aggregate: 'mean' };
    expect(fact('streak', { ...hr, operator: 'greaterThanInclusive', baseline, offset: 10 })).toBe(
      1,
    );
    expect(fact('streak', { ...hr, operator: 'greaterThanInclusive', baseline, offset: 11 })).toBe(
      0,
    );
    expect(
      fact('streak', { ...hr, operator: 'greaterThanInclusive', baseline, factor: 1.15 }),
    ).toBe(0);
    expect(
      fact('streak', {
        ...hr,
        operator: 'greaterThanInclusive',
        baseline: { ...baseline, minDays: 2 },
      }),
    ).toBeNull();
  });
});

describe('coverage', () => {
  it('counts days with data, optionally reaching a value', () => {
    expect(fact('coverage', { metric: 'restingHrProvider', days: 10 })).toBe(7);
    expect(fact('coverage', { metric: 'restingHrProvider', days: 10, atLeast: 66 })).toBe(4);
    expect(fact('coverage', { metric: 'restingHrProvider', days: 3, endOffsetDays: 1 })).toBe(2);
  });

  it('is zero, not unknown, where nothing was recorded', () => {
    expect(fact('coverage', { days: 7 })).toBe(0);
  });
});

describe('days since sync', () => {
  const synced = new PatientSeries(buildDays('2026-03-01', { steps: [1] }), {
    lastSyncAt: new Date('2026-03-08T12:00:00Z'),
    lastDeviceSyncAt: new Date('2026-03-11T06:00:00Z'),
  });

  it('counts whole days up to the evaluation instant, never below zero', () => {
    expect(fact('daysSinceSync', {}, '2026-03-10', synced)).toBe(2);
    expect(fact('daysSinceDeviceSync', {}, '2026-03-10', synced)).toBe(0);
  });

  it('cannot tell for a patient that never synced', () => {
    expect(fact('daysSinceSync', {})).toBeNull();
    expect(fact('daysSinceDeviceSync', {})).toBeNull();
  });
});

describe('a single day and an empty series', () => {
  const single = new PatientSeries(buildDays('2026-03-10', { restingHrProvider: [58] }), NO_SYNC);
  const empty = new PatientSeries([], NO_SYNC);

  it('a single day is a window of one', () => {
    expect(fact('window', { ...hr, days: 7 }, '2026-03-10', single)).toBe(58);
    expect(fact('window', { ...hr, days: 7, aggregate: 'slope' }, '2026-03-10', single)).toBeNull();
    expect(fact('streak', { ...hr, operator: 'lessThan', value: 60 }, '2026-03-10', single)).toBe(
      1,
    );
    expect(fact('baseline', { ...hr, minDays: 1 }, '2026-03-10', single)).toBeNull();
  });

  it('all missing gives not enough data, or zero for counts', () => {
    expect(fact('window', { ...hr, days: 7 }, '2026-03-10', empty)).toBeNull();
    expect(fact('window', { ...hr, days: 7, aggregate: 'count' }, '2026-03-10', empty)).toBe(0);
    expect(
      fact(
        'delta',
        { ...hr, recent: { days: 1 }, baseline: { days: 7, endOffsetDays: 1 } },
        '2026-03-10',
        empty,
      ),
    ).toBeNull();
    expect(
      fact('streak', { ...hr, operator: 'lessThan', value: 60 }, '2026-03-10', empty),
    ).toBeNull();
    expect(fact('coverage', { days: 3 }, '2026-03-10', empty)).toBe(0);
  });
});

describe('summarise', () => {
  it('takes the mean of the two middle values for an even count', () => {
    expect(summarise('median', [4, 1, 3, 2], [0, 1, 2, 3])).toBe(2.5);
  });
});
