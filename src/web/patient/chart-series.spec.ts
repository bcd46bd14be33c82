import { dayWithoutData, type DailyAggregate } from '../../aggregates/daily-aggregate';
import { addDays } from '../../time';
import { PatientSeries } from '../../rules/facts/patient-series';
import type { RuleDefinition } from '../../rules/rule-definition';
import {
  BAND_LOOKBACK_DAYS,
  baselineBand,
  buildPatientCharts,
  dailyValues,
  fixedThresholds,
  shadedEpisodes,
  yAxisRange,
} from './chart-series';

const day = (date: string, metrics: Partial<DailyAggregate>): DailyAggregate => ({
  ...dayWithoutData(date),
  ...metrics,
});

const rule = (overrides: Partial<RuleDefinition> & Pick<RuleDefinition, 'conditions'>) =>
  ({
    id: 'test-rule',
    title: 'Test rule',
    description: '',
    severity: 'warning',
    params: {},
    forDays: 1,
    resolveAfterDays: 1,
    repeatAfterDays: 0,
    recipients: ['provider'],
    deliver: { channels: ['message'], reminderDueInDays: 1, priority: 'low' },
    inhibitedBy: [],
    message: '',
    ...overrides,
  }) as RuleDefinition;

describe('daily values', () => {
  it('keeps a missing day and a null metric as null, and a real zero as zero', () => {
    const days = [day('2026-03-01', { steps: 4000 }), day('2026-03-03', { steps: 0 })];
    expect(dailyValues(days, 'steps', ['2026-03-01', '2026-03-02', '2026-03-03'])).toEqual([
      4000,
      null,
      0,
    ]);
    expect(dailyValues(days, 'weightKg', ['2026-03-01'])).toEqual([null]);
  });
});

describe('baseline band', () => {
  it('is the mean of the 28 days ending 7 days before, plus and minus their SD', () => {
    const start = '2026-01-01';
    // Alternating 60 and 64 bpm: mean 62, sample SD just over 2.
    const days = Array.from({ length: 40 }, (_, i) =>
      day(addDays(start, i), { restingHrProvider: i % 2 === 0 ? 60 : 64 }),
    );
    const series = new PatientSeries(days, { lastSyncAt: null, lastDeviceSyncAt: null });
    const chartDay = addDays(start, 34); // its baseline is days 0..27
    const band = baselineBand(series, 'restingHrProvider', [chartDay]);
    expect(band.centre).toEqual([62]);
    expect(band.lower[0]).toBeCloseTo(62 - 2.04, 2);
    expect(band.upper[0]).toBeCloseTo(62 + 2.04, 2);
  });

  it('has no band where fewer than 14 baseline days have data', () => {
    const days = Array.from({ length: 13 }, (_, i) =>
      day(addDays('2026-01-01', i), { restingHrProvider: 60 }),
    );
    const series = new PatientSeries(days, { lastSyncAt: null, lastDeviceSyncAt: null });
    const band = baselineBand(series, 'restingHrProvider', ['2026-02-05']);
    expect(band).toEqual({ centre: [null], lower: [null], upper: [null] });
  });
});

describe('fixed thresholds', () => {
  it('draws a streak value and a window level with the params in effect', () => {
    const spo2 = rule({
      title: 'Low oxygen',
      params: { spo2Percent: 92 },
      conditions: {
        all: [
          {
            fact: 'streak',
            params: {
              metric: 'spo2Average',
              operator: 'lessThan',
              value: { param: 'spo2Percent' },
            },
            operator: 'greaterThanInclusive',
            value: 2,
          },
          {
            fact: 'window',
            params: { metric: 'sleepAsleepMinutes', days: 7 },
            operator: 'lessThan',
            value: 420,
          },
        ],
      },
    });
    expect(fixedThresholds({ definition: spo2, params: { spo2Percent: 90 } })).toEqual([
      { metric: 'spo2Average', value: 90, rule: 'test-rule', label: 'Low oxygen: below 90' },
      {
        metric: 'sleepAsleepMinutes',
        value: 420,
        rule: 'test-rule',
        label: 'Low oxygen: 7-day mean below 420',
      },
    ]);
  });

  it('draws nothing for baseline-relative conditions or counts', () => {
    const relative = rule({
      conditions: {
        any: [
          {
            fact: 'streak',
            params: {
              metric: 'restingHrProvider',
              operator: 'greaterThan',
              baseline: { days: 28, endOffsetDays: 7 },
            },
            operator: 'greaterThan',
            value: 2,
          },
          {
            fact: 'window',
            params: { metric: 'steps', days: 7, aggregate: 'count' },
            operator: 'lessThan',
            value: 3,
          },
        ],
      },
    });
    expect(fixedThresholds({ definition: relative, params: {} })).toEqual([]);
  });
});

describe('shaded episodes', () => {
  const alert = {
    ruleId: 'r',
    ruleTitle: 'R',
    state: 'resolved',
    episodeStart: '2026-03-05',
    firedOn: '2026-03-06',
    resolvedOn: '2026-03-10',
  };

  it('shades from the first true day to the day before it resolved', () => {
    expect(shadedEpisodes([alert], '2026-03-01', '2026-03-31')).toEqual([
      { rule: 'r', title: 'R', state: 'resolved', from: '2026-03-05', to: '2026-03-09' },
    ]);
  });

  it('clips to the range, runs open episodes to its end, and skips episodes that never fired', () => {
    const open = { ...alert, state: 'firing', resolvedOn: null };
    expect(shadedEpisodes([open], '2026-03-07', '2026-03-08')).toEqual([
      { rule: 'r', title: 'R', state: 'firing', from: '2026-03-07', to: '2026-03-08' },
    ]);
    expect(shadedEpisodes([alert], '2026-03-10', '2026-03-31')).toEqual([]);
    expect(shadedEpisodes([{ ...alert, firedOn: null }], '2026-03-01', '2026-03-31')).toEqual([]);
  });
});

describe('patient charts', () => {
  it('charts the default metrics plus those rules read, with gaps as null and episodes on their metric', () => {
    const from = '2026-03-01';
    const days = [
      day(addDays(from, -BAND_LOOKBACK_DAYS), { steps: 1 }),
      day('2026-03-01', { restingHrProvider: 61, wearMinutes: 900 }),
      day('2026-03-03', { restingHrProvider: 0 }),
    ];
    const monitoringGap = rule({
      id: 'gap',
      conditions: {
        all: [
          { fact: 'coverage', params: { days: 3, atLeast: 600 }, operator: 'lessThan', value: 1 },
        ],
      },
    });
    const charts = buildPatientCharts({
      from,
      to: '2026-03-03',
      partialFrom: '2026-03-03',
      breaks: [
        { date: '2026-03-02', words: 'Another Google account connected' },
        { date: '2026-02-01', words: 'before the range' },
      ],
      days,
      rules: [{ definition: monitoringGap, params: {} }],
      ruleMetrics: new Map([
        ['gap', ['wearMinutes']],
        ['hr', ['restingHrProvider']],
      ]),
      alerts: [
        {
          ruleId: 'hr',
          ruleTitle: 'HR rise',
          state: 'firing',
          episodeStart: '2026-03-02',
          firedOn: '2026-03-03',
          resolvedOn: null,
        },
      ],
    });
    const byMetric = new Map(charts.map((c) => [c.metric, c]));
    expect([...byMetric.keys()]).toEqual([
      'restingHrProvider',
      'wearMinutes',
      'steps',
      'sleepAsleepMinutes',
      'hrvRmssd',
      'spo2Average',
      'weightKg',
    ]);
    const hr = byMetric.get('restingHrProvider')!;
    expect(hr.dates).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(hr.values).toEqual([61, null, 0]);
    expect(hr.daysWithData).toBe(2);
    expect(hr.episodes.map((e) => [e.from, e.to])).toEqual([['2026-03-02', '2026-03-03']]);
    expect(byMetric.get('steps')!.values).toEqual([null, null, null]);
    expect(byMetric.get('steps')!.episodes).toEqual([]);
    expect(byMetric.get('wearMinutes')!.thresholds.map((t) => t.value)).toEqual([600]);
    expect(hr.partialFrom).toBe('2026-03-03');
    expect(hr.breaks).toEqual([{ date: '2026-03-02', words: 'Another Google account connected' }]);
    // 0 and 61 span more than the 10 bpm minimum: the axis holds them as they are.
    expect(hr.yRange).toEqual({ min: 0, max: 61 });
  });

  it('leaves the days still being measured out of every band', () => {
    const to = '2026-03-31';
    const days = Array.from({ length: 80 }, (_, i) =>
      day(addDays(to, i - 79), { steps: 5000 + (i % 3) * 100 }),
    );
    const chartWith = (partialSteps: number, partialFrom: string) =>
      buildPatientCharts({
        from: '2026-03-02',
        to,
        partialFrom,
        breaks: [],
        days: days.map((d) => (d.date >= partialFrom ? { ...d, steps: partialSteps } : d)),
        rules: [],
        ruleMetrics: new Map(),
        alerts: [],
      }).find((c) => c.metric === 'steps')!;
    // Ten days still syncing, at 0 steps or at 5000: the bands are the same either way.
    const collapsed = chartWith(0, '2026-03-22');
    expect(collapsed.baseline).toEqual(chartWith(5000, '2026-03-22').baseline);
    expect(collapsed.values[collapsed.values.length - 1]).toBe(0);
    expect(collapsed.baseline.upper[collapsed.values.length - 1]).not.toBeNull();
  });
});

describe('y-axis range', () => {
  it('gives flat data the metric’s minimum span, centred, within what the metric can be', () => {
    expect(yAxisRange('restingHrProvider', [60, 61, null, 60])).toEqual({ min: 55.5, max: 65.5 });
    expect(yAxisRange('steps', [100, 300])).toEqual({ min: 0, max: 4000 });
    expect(yAxisRange('spo2Average', [98, 99])).toEqual({ min: 94, max: 100 });
    expect(yAxisRange('weightKg', [80, 95])).toEqual({ min: 80, max: 95 });
    expect(yAxisRange('skinTempDeviation', [-0.2, 0.1])).toEqual({ min: -1.05, max: 0.95 });
    expect(yAxisRange('hrvRmssd', [null, null])).toBeNull();
  });
});
