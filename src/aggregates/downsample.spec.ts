import { DataTypeId } from '../wearables/google-health/data-types';
import { parseDataPointsPage, PointsByDataType } from '../wearables/google-health/points';
import {
  activeMinutesPoint,
  ApiJson,
  at,
  atInstant,
  everyMinute,
  heartRatePoint,
  heartRateVariabilityPoint,
  inZone,
  later,
  Moment,
  oxygenSaturationPoint,
  page,
  respiratoryRatePoint,
  restingHeartRatePoint,
  skinTemperaturePoint,
  sleepPoint,
  stepsPoint,
  weightPoint,
} from '../wearables/google-health/test-points';
import { DailyAggregate } from './daily-aggregate';
import { downsample } from './downsample';

/** Points go through the real mapper, as they do in a sync. */
function typed<K extends DataTypeId>(type: K, points: ApiJson[]): PointsByDataType[K][] {
  return parseDataPointsPage(type, page(points)).points;
}

function byDate(aggregates: DailyAggregate[]): Record<string, DailyAggregate> {
  return Object.fromEntries(aggregates.map((a) => [a.date, a]));
}

const newYork = (epochMs: number): Moment => inZone('America/New_York', epochMs);
const fixed =
  (offsetHours: number) =>
  (epochMs: number): Moment =>
    atInstant(epochMs, offsetHours);

describe('downsample', () => {
  it('gives the spring-forward day 23 hours (America/New_York, 2026-03-08)', () => {
    // 2026-03-07 23:00 EST to 2026-03-09 01:00 EDT, one sample and 2 steps per minute.
    // Heart rate is 60 before the clocks jump (07:00Z) and 70 after.
    const from = Date.UTC(2026, 2, 8, 4);
    const to = Date.UTC(2026, 2, 9, 5);
    const jump = Date.UTC(2026, 2, 8, 7);
    const days = byDate(
      downsample({
        'heart-rate': typed(
          'heart-rate',
          everyMinute(from, to, newYork, (m) => heartRatePoint(m, m.epochMs < jump ? 60 : 70)),
        ),
        steps: typed(
          'steps',
          everyMinute(from, to, newYork, (m) => stepsPoint(m, 2)),
        ),
      }),
    );
    expect(Object.keys(days)).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    // 120 minutes at 60 (00:00-02:00 EST), 1260 at 70 (03:00 EDT-24:00): 95400 / 1380.
    expect(days['2026-03-08']).toMatchObject({
      wearMinutes: 1380,
      steps: 2760,
      hrMean: 69.1,
      hrMin: 60,
      hrMax: 70,
      restingHrEstimate: null,
      coverage: { heartRateSamples: 1380, stepMinutes: 1380, dataTypes: ['heart-rate', 'steps'] },
    });
    expect([days['2026-03-07'].wearMinutes, days['2026-03-09'].wearMinutes]).toEqual([60, 60]);
  });

  it('gives the fall-back day 25 hours and files the night under the morning it ends (2026-11-01)', () => {
    // Heart rate every minute of the local day 2026-11-01: 04:00Z to 05:00Z next day.
    // 48 bpm while asleep (to 11:00Z), 64 afterwards; the device reported zero
    // steps every hour (a zero-step interval is a reading, not an absence).
    const from = Date.UTC(2026, 10, 1, 4);
    const to = Date.UTC(2026, 10, 2, 5);
    const wake = Date.UTC(2026, 10, 1, 11);
    const night = sleepPoint({
      start: at('2026-10-31T23:00', -4),
      end: at('2026-11-01T06:00', -5),
      asleep: 440,
      awake: 40,
      stages: { deep: 80, light: 260, rem: 100 },
    });
    const [day] = downsample({
      'heart-rate': typed(
        'heart-rate',
        everyMinute(from, to, newYork, (m) => heartRatePoint(m, m.epochMs < wake ? 48 : 64)),
      ),
      steps: typed(
        'steps',
        everyMinute(from, to, newYork, (m) =>
          m.epochMs % 3_600_000 === 0 ? stepsPoint(m, 0, 60) : null,
        ),
      ),
      sleep: typed('sleep', [night]),
    });
    // 420 minutes at 48 and 1080 at 64: 89280 / 1500 = 59.52.
    expect(day).toEqual({
      date: '2026-11-01',
      restingHrProvider: null,
      restingHrEstimate: 48,
      hrMean: 59.5,
      hrMin: 48,
      hrMax: 64,
      wearMinutes: 1500,
      steps: 0,
      activeMinutes: null,
      sleepAsleepMinutes: 440,
      sleepInBedMinutes: 480,
      sleepEfficiency: 91.7,
      sleepDeepMinutes: 80,
      sleepLightMinutes: 260,
      sleepRemMinutes: 100,
      sleepAwakeMinutes: 40,
      sleepStart: '2026-10-31T23:00:00-04:00',
      sleepEnd: '2026-11-01T06:00:00-05:00',
      sleepTotalMinutes: 440,
      hrvRmssd: null,
      spo2Average: null,
      spo2Lower: null,
      respiratoryRate: null,
      skinTempDeviation: null,
      weightKg: null,
      coverage: {
        heartRateSamples: 1500,
        stepMinutes: 1500,
        dataTypes: ['heart-rate', 'steps', 'sleep'],
      },
    });
  });

  it('follows a flight from New York to Los Angeles: the travel day has 27 hours', () => {
    // Offset -5 until landing at 17:00Z, -8 after. Samples from 2026-11-20 00:00 EST
    // (05:00Z) to 2026-11-21 01:00 PST (09:00Z).
    const landing = Date.UTC(2026, 10, 20, 17);
    const zone = (epochMs: number) => (epochMs < landing ? fixed(-5)(epochMs) : fixed(-8)(epochMs));
    const from = Date.UTC(2026, 10, 20, 5);
    const to = Date.UTC(2026, 10, 21, 9);
    const days = byDate(
      downsample({
        'heart-rate': typed(
          'heart-rate',
          everyMinute(from, to, zone, (m) => heartRatePoint(m, 70)),
        ),
        weight: typed('weight', [
          weightPoint(at('2026-11-20T07:30', -5), 81_300),
          // 05:00Z on the 21st is still the evening of the 20th in Los Angeles.
          weightPoint(at('2026-11-20T21:00', -8), 81_900),
          weightPoint(at('2026-11-21T06:30', -8), 81_000),
        ]),
        'daily-resting-heart-rate': typed('daily-resting-heart-rate', [
          restingHeartRatePoint('2026-11-20', 58),
        ]),
      }),
    );
    expect(days['2026-11-20']).toMatchObject({
      wearMinutes: 1620,
      weightKg: 81.9,
      restingHrProvider: 58,
    });
    expect(days['2026-11-21']).toMatchObject({
      wearMinutes: 60,
      weightKg: 81,
      restingHrProvider: null,
    });
  });

  describe('sleep', () => {
    const est = -5;
    const points = {
      sleep: typed('sleep', [
        sleepPoint({
          start: at('2026-11-10T23:00', est),
          end: at('2026-11-11T07:00', est),
          asleep: 400,
          awake: 80,
          stages: { deep: 60, light: 240, rem: 100 },
        }),
        sleepPoint({
          start: at('2026-11-10T16:00', est),
          end: at('2026-11-10T16:30', est),
          asleep: 25,
          awake: 5,
          nap: true,
        }),
        sleepPoint({
          start: at('2026-11-10T13:00', est),
          end: at('2026-11-10T13:45', est),
          asleep: 40,
          awake: 5,
          nap: true,
        }),
        sleepPoint({
          start: at('2026-11-09T22:30', est),
          end: at('2026-11-10T06:30', est),
          asleep: 420,
          awake: 60,
          stages: { deep: 70, light: 250, rem: 100 },
        }),
      ]),
    };

    it('takes the longest non-nap session as the main sleep and counts naps in the total', () => {
      const days = byDate(downsample(points));
      expect(days['2026-11-10']).toMatchObject({
        sleepAsleepMinutes: 420,
        sleepInBedMinutes: 480,
        sleepEfficiency: 87.5,
        sleepDeepMinutes: 70,
        sleepLightMinutes: 250,
        sleepRemMinutes: 100,
        sleepAwakeMinutes: 60,
        sleepStart: '2026-11-09T22:30:00-05:00',
        sleepEnd: '2026-11-10T06:30:00-05:00',
        sleepTotalMinutes: 485,
      });
      // The night starting on the evening of the 10th ends on the 11th.
      expect(days['2026-11-11']).toMatchObject({
        sleepAsleepMinutes: 400,
        sleepEfficiency: 83.3,
        sleepTotalMinutes: 400,
      });
    });

    it('never makes a nap the main sleep, however long', () => {
      const naps = typed('sleep', [
        sleepPoint({
          start: at('2026-11-12T12:00', est),
          end: at('2026-11-12T15:00', est),
          asleep: 170,
          awake: 10,
          nap: true,
        }),
        sleepPoint({
          start: at('2026-11-12T18:00', est),
          end: at('2026-11-12T18:20', est),
          asleep: 20,
          awake: 0,
          nap: true,
        }),
      ]);
      expect(downsample({ sleep: naps })).toEqual([
        expect.objectContaining({
          date: '2026-11-12',
          sleepAsleepMinutes: null,
          sleepEfficiency: null,
          sleepTotalMinutes: 190,
        }),
      ]);
    });

    it('counts a night mirrored into HealthKit once', () => {
      const mirrored = typed('sleep', [
        sleepPoint(
          {
            start: at('2026-11-09T22:31', est),
            end: at('2026-11-10T06:29', est),
            asleep: 415,
            awake: 63,
          },
          'HEALTH_KIT',
        ),
      ]);
      const days = byDate(downsample({ sleep: [...mirrored, ...points.sleep] }));
      expect(days['2026-11-10']).toMatchObject({ sleepAsleepMinutes: 420, sleepTotalMinutes: 485 });
    });
  });

  it('counts mirrored heart rate and daily readings once, preferring Fitbit', () => {
    const start = at('2026-11-10T09:00', -5);
    const samples = [0, 1, 2].map((k) => later(start, k));
    const days = downsample({
      'heart-rate': typed('heart-rate', [
        ...samples.map((m) => heartRatePoint(m, 90, 'HEALTH_KIT')),
        ...samples.map((m) => heartRatePoint(m, 60)),
      ]),
      'daily-resting-heart-rate': typed('daily-resting-heart-rate', [
        restingHeartRatePoint('2026-11-10', 66, 'HEALTH_KIT'),
        restingHeartRatePoint('2026-11-10', 58),
      ]),
    });
    expect(days).toEqual([
      expect.objectContaining({
        hrMean: 60,
        wearMinutes: 3,
        restingHrProvider: 58,
        coverage: expect.objectContaining({ heartRateSamples: 3 }),
      }),
    ]);
  });

  it('reads int64 values whether sent as strings or numbers', () => {
    const m = at('2026-11-10T09:00', -5);
    const asNumber = heartRatePoint(later(m, 1), 0);
    (asNumber.heartRate as Record<string, unknown>).beatsPerMinute = 64;
    const [day] = downsample({
      'heart-rate': typed('heart-rate', [heartRatePoint(m, '60'), asNumber]),
    });
    expect([day.hrMean, day.hrMin, day.hrMax]).toEqual([62, 60, 64]);
  });

  describe('partial wear and the resting estimate from the quietest hours', () => {
    // Worn 08:00-13:00 (CST) only, a sample every 5 seconds. Walking 100 steps a minute
    // 09:00-09:30. Heart rate by hour: 08 alternates 71/73, 09:00-09:30 110,
    // 09:30-10:00 90, 10 is 70, 11 is 68, 12 is 80.
    const cst = -6;
    const start = Date.UTC(2026, 10, 12, 14);
    const bpmAt = (t: number): number => {
      const minute = Math.floor((t - start) / 60_000);
      if (minute < 60) return (t / 5_000) % 2 === 0 ? 71 : 73;
      if (minute < 90) return 110;
      if (minute < 120) return 90;
      return [70, 68, 80][Math.floor(minute / 60) - 2];
    };
    const heartRate: ApiJson[] = [];
    for (let t = start; t < start + 5 * 3_600_000; t += 5_000) {
      heartRate.push(heartRatePoint(atInstant(t, cst), bpmAt(t)));
    }
    const walk = at('2026-11-12T09:00', cst);
    const points = {
      'heart-rate': typed('heart-rate', heartRate),
      steps: typed(
        'steps',
        Array.from({ length: 30 }, (_, k) => stepsPoint(later(walk, k), 100)),
      ),
      'active-minutes': typed('active-minutes', [
        activeMinutesPoint(walk, 30, { light: 5, moderate: 20, vigorous: 5 }),
      ]),
    };

    it('counts only minutes with a sample as worn and averages minutes, not samples', () => {
      const [day] = downsample(points);
      // Minute means: 60x72 + 30x110 + 30x90 + 60x70 + 60x68 + 60x80 = 23400 over 300 minutes.
      expect(day).toMatchObject({
        date: '2026-11-12',
        wearMinutes: 300,
        hrMean: 78,
        hrMin: 68,
        hrMax: 110,
        steps: 3000,
        activeMinutes: 25,
        coverage: { heartRateSamples: 3600, stepMinutes: 30 },
      });
    });

    it('averages the still minutes of the three quietest hours', () => {
      // Hour 09 has 20 still minutes (09:40-09:59), too few. Of 08, 10, 11, 12 (no steps,
      // 60 still minutes each) the three with the lowest rate: 11 (68), 10 (70), 08 (72).
      expect(downsample(points)[0].restingHrEstimate).toBe(70);
    });
  });

  describe('resting estimate during the main sleep', () => {
    // Heart rate each minute 22:00-07:00 EST: 85 awake until 23:00, 90 for 23:00-23:06,
    // 52 until 03:00, 56 until 07:00. Twelve steps at 22:55, the last move before bed;
    // a zero-step interval at noon says the step stream still runs on the 14th.
    const est = -5;
    const from = Date.UTC(2026, 10, 14, 3);
    const bpm = (epochMs: number): number => {
      const minutesAfter2200 = (epochMs - from) / 60_000;
      if (minutesAfter2200 < 60) return 85;
      if (minutesAfter2200 < 66) return 90;
      return minutesAfter2200 < 300 ? 52 : 56;
    };
    const points = {
      'heart-rate': typed(
        'heart-rate',
        everyMinute(from, Date.UTC(2026, 10, 14, 12), fixed(est), (m) =>
          heartRatePoint(m, bpm(m.epochMs)),
        ),
      ),
      steps: typed('steps', [
        stepsPoint(at('2026-11-13T22:55', est), 12),
        stepsPoint(at('2026-11-14T12:00', est), 0),
      ]),
      sleep: typed('sleep', [
        sleepPoint({
          start: at('2026-11-13T23:00', est),
          end: at('2026-11-14T07:00', est),
          asleep: 440,
          awake: 40,
        }),
      ]),
    };

    it('skips minutes within ten minutes of a step, even across midnight into the day before', () => {
      // 23:00-23:05 follow the steps; 234 minutes at 52 and 240 at 56 remain: 25608 / 474.
      const [day] = downsample(points, { dates: ['2026-11-14'] });
      expect([day.date, day.restingHrEstimate]).toEqual(['2026-11-14', 54]);
    });

    it('takes whether the evening before had steps from its whole day, when given', () => {
      // Without the 22:55 steps the evening alone shows no step stream on the 13th, so its
      // minutes (23:00-23:59) cannot be still: 180 x 52 + 240 x 56 over 420. Known from the
      // 13th's whole day, they count: 6 x 90 + 234 x 52 + 240 x 56 over 480.
      const quiet = {
        ...points,
        steps: typed('steps', [stepsPoint(at('2026-11-14T12:00', est), 0)]),
      };
      const estimate = (known?: boolean): number | null =>
        downsample(quiet, {
          dates: ['2026-11-14'],
          ...(known === undefined ? {} : { stepsKnownOn: new Map([['2026-11-13', known]]) }),
        })[0].restingHrEstimate;
      expect([estimate(), estimate(true), estimate(false)]).toEqual([54.3, 54.5, 54.3]);
      // And a whole day without steps overrides the evening's own step.
      const [day] = downsample(points, {
        dates: ['2026-11-14'],
        stepsKnownOn: new Map([['2026-11-13', false]]),
      });
      expect(day.restingHrEstimate).toBe(54.3);
    });

    it('falls back to the quietest hours when the watch was off during the sleep', () => {
      const daytime = typed(
        'heart-rate',
        everyMinute(Date.UTC(2026, 10, 14, 15), Date.UTC(2026, 10, 14, 17), fixed(est), (m) =>
          heartRatePoint(m, 75),
        ),
      );
      const [day] = downsample({ ...points, 'heart-rate': daytime }, { dates: ['2026-11-14'] });
      expect([day.wearMinutes, day.restingHrEstimate, day.sleepAsleepMinutes]).toEqual([
        120, 75, 440,
      ]);
    });

    it('does not count minutes as still on days without step points', () => {
      const [day] = downsample({ ...points, steps: [] }, { dates: ['2026-11-14'] });
      expect([day.wearMinutes, day.steps, day.restingHrEstimate]).toEqual([420, null, null]);
    });
  });

  it('copies the provider daily readings and takes skin temperature relative to baseline', () => {
    const days = byDate(
      downsample({
        'daily-heart-rate-variability': typed('daily-heart-rate-variability', [
          heartRateVariabilityPoint('2026-11-10', 42.5, 55),
        ]),
        'daily-oxygen-saturation': typed('daily-oxygen-saturation', [
          oxygenSaturationPoint('2026-11-10', 95.5, 91.2),
        ]),
        'daily-respiratory-rate': typed('daily-respiratory-rate', [
          respiratoryRatePoint('2026-11-10', 14.8),
        ]),
        'daily-sleep-temperature-derivations': typed('daily-sleep-temperature-derivations', [
          skinTemperaturePoint('2026-11-10', 34.1, 33.8),
          skinTemperaturePoint('2026-11-11', 34.0),
        ]),
      }),
    );
    expect(days['2026-11-10']).toMatchObject({
      hrvRmssd: 42.5,
      spo2Average: 95.5,
      spo2Lower: 91.2,
      respiratoryRate: 14.8,
      skinTempDeviation: 0.3,
      steps: null,
      wearMinutes: null,
    });
    expect(days['2026-11-11'].skinTempDeviation).toBeNull();
  });

  describe('missing days and rewrites', () => {
    const est = -5;
    const points = {
      'heart-rate': typed('heart-rate', [
        heartRatePoint(at('2026-11-12T10:00', est), 70),
        heartRatePoint(at('2026-11-10T10:00', est), 66),
        heartRatePoint(at('2026-11-09T10:00', est), 99),
      ]),
      steps: typed('steps', [stepsPoint(at('2026-11-10T10:00', est), 50)]),
    };

    it('returns only days with data when no dates are given', () => {
      expect(downsample(points).map((d) => d.date)).toEqual([
        '2026-11-09',
        '2026-11-10',
        '2026-11-12',
      ]);
    });

    it('returns exactly the rewritten dates, empty ones as all-null rows', () => {
      const days = downsample(points, { dates: ['2026-11-12', '2026-11-10', '2026-11-11'] });
      expect(days.map((d) => [d.date, d.hrMean, d.steps])).toEqual([
        ['2026-11-10', 66, 50],
        ['2026-11-11', null, null],
        ['2026-11-12', 70, null],
      ]);
      expect(days[2].coverage.stepsUnknown).toBe('worn_without_step_points');
      expect(days[1]).toMatchObject({
        wearMinutes: null,
        sleepTotalMinutes: null,
        coverage: { heartRateSamples: 0, stepMinutes: 0, dataTypes: [] },
      });
    });

    it('refuses a rewrite date that is not a calendar date', () => {
      expect(() => downsample(points, { dates: ['2026-11-31'] })).toThrow(RangeError);
    });
  });
});
