import { parseDataPointsPage } from '../wearables/google-health/points';
import {
  at,
  everyMinute,
  heartRatePoint,
  inZone,
  page,
  stepsPoint,
} from '../wearables/google-health/test-points';
import { downsample } from './downsample';
import { dailySteps } from './steps-plausibility';

describe('dailySteps', () => {
  it('keeps the sum when the device sent step points, zero-step intervals included', () => {
    expect(dailySteps({ stepsRead: true, wearMinutes: 900, stepPoints: 40, steps: 5210 })).toEqual({
      steps: 5210,
      unknownBecause: null,
    });
    expect(dailySteps({ stepsRead: true, wearMinutes: 900, stepPoints: 24, steps: 0 })).toEqual({
      steps: 0,
      unknownBecause: null,
    });
  });

  it('calls a worn day without a single step point unknown, not zero', () => {
    expect(dailySteps({ stepsRead: true, wearMinutes: 1400, stepPoints: 0, steps: 0 })).toEqual({
      steps: null,
      unknownBecause: 'worn_without_step_points',
    });
  });

  it('says why when nothing was recorded or the type was not read', () => {
    expect(
      dailySteps({ stepsRead: true, wearMinutes: 0, stepPoints: 0, steps: 0 }).unknownBecause,
    ).toBe('no_data');
    expect(dailySteps({ stepsRead: false, wearMinutes: 700, stepPoints: 0, steps: 0 })).toEqual({
      steps: null,
      unknownBecause: 'not_read',
    });
  });
});

describe('steps when the step stream ends a week before heart rate', () => {
  // Heart rate every minute for 14 local days from 2026-11-01 (New York);
  // steps every 10 minutes in daytime for the first 7 days only, as one study
  // participant's export did.
  const zone = (epochMs: number) => inZone('America/New_York', epochMs);
  const from = Date.UTC(2026, 10, 1, 4);
  const stepsEnd = Date.UTC(2026, 10, 8, 5);
  const to = Date.UTC(2026, 10, 15, 5);
  const everyTen = (build: (m: ReturnType<typeof zone>) => ReturnType<typeof stepsPoint> | null) =>
    everyMinute(from, to, zone, (m) => (m.epochMs % 600_000 === 0 ? build(m) : null));
  const points = {
    'heart-rate': parseDataPointsPage(
      'heart-rate',
      page(everyMinute(from, to, zone, (m) => heartRatePoint(m, 62))),
    ).points,
    steps: parseDataPointsPage(
      'steps',
      page(
        everyTen((m) => {
          const hour = new Date(m.epochMs).getUTCHours();
          return m.epochMs < stepsEnd && hour >= 13 && hour < 23 ? stepsPoint(m, 30) : null;
        }),
      ),
    ).points,
  };
  const days = downsample(points);

  it('counts steps while the stream ran and calls the worn days after it unknown', () => {
    const worn = days.filter((d) => d.wearMinutes !== null);
    expect(worn).toHaveLength(14);
    expect(worn.slice(0, 7).map((d) => d.steps)).toEqual(Array(7).fill(1800));
    expect(worn.slice(7).map((d) => [d.steps, d.coverage.stepsUnknown])).toEqual(
      Array(7).fill([null, 'worn_without_step_points']),
    );
  });

  it('gives no resting estimate from minutes whose steps are unknown', () => {
    expect(days.slice(0, 7).every((d) => d.restingHrEstimate === 62)).toBe(true);
    expect(days.slice(8).map((d) => d.restingHrEstimate)).toEqual(Array(6).fill(null));
  });

  it('stores zero only for a worn day the device reported as zero', () => {
    const zero = parseDataPointsPage(
      'steps',
      page([stepsPoint(at('2026-11-10T09:00', -5), 0, 60)]),
    ).points;
    const day = downsample(
      { ...points, steps: [...points.steps, ...zero] },
      { dates: ['2026-11-10'] },
    )[0];
    expect([day.steps, day.coverage.stepsUnknown]).toEqual([0, undefined]);
  });
});
