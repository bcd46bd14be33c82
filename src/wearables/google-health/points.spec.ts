import { DATA_TYPE_IDS, GOOGLE_HEALTH_DATA_TYPES } from './data-types';
import { cutPage } from './json-page';
import { MalformedResponseError, parseDataPointsPage, parseDataPointsPieces } from './points';
import {
  activeMinutesPoint,
  at,
  atInstant,
  everyMinute,
  heartRatePoint,
  oxygenSaturationPoint,
  page,
  respiratoryRatePoint,
  restingHeartRatePoint,
  sleepPoint,
  stepsPoint,
  weightPoint,
} from './test-points';

/** The error a page raises, for asserting its path and message together. */
function errorOf(parse: () => unknown): MalformedResponseError {
  try {
    parse();
  } catch (e) {
    if (e instanceof MalformedResponseError) return e;
    throw e;
  }
  throw new Error('expected a MalformedResponseError');
}

describe('parseDataPointsPage', () => {
  it('reads int64 values sent as strings or as numbers', () => {
    const asString = heartRatePoint(at('2026-11-27T06:30', -7), '61');
    const asNumber = heartRatePoint(at('2026-11-27T06:31', -7), 61);
    (asNumber.heartRate as Record<string, unknown>).beatsPerMinute = 62;
    const { points } = parseDataPointsPage('heart-rate', page([asString, asNumber]));
    expect(points.map((p) => p.beatsPerMinute)).toEqual([61, 62]);
  });

  it('maps a heart-rate sample with its instant, offset and platform', () => {
    const { points, nextPageToken } = parseDataPointsPage(
      'heart-rate',
      page([heartRatePoint(at('2026-11-26T23:30', -7), 58, 'HEALTH_KIT')], 'next-1'),
    );
    expect(points).toEqual([
      {
        platform: 'HEALTH_KIT',
        time: Date.UTC(2026, 10, 27, 6, 30),
        utcOffsetSeconds: -25_200,
        beatsPerMinute: 58,
      },
    ]);
    expect(nextPageToken).toBe('next-1');
  });

  it('derives a missing offset from the civil time, whose zero fields are omitted', () => {
    const point = {
      heartRate: {
        beatsPerMinute: '58',
        sampleTime: {
          physicalTime: '2026-11-27T07:00:00Z',
          civilTime: { date: { year: 2026, month: 11, day: 27 }, time: {} },
        },
      },
    };
    const { points } = parseDataPointsPage('heart-rate', page([point]));
    expect(points[0]).toEqual({
      platform: null,
      time: Date.UTC(2026, 10, 27, 7),
      utcOffsetSeconds: -25_200,
      beatsPerMinute: 58,
    });
  });

  it('treats an absent or empty page token as the last page and an absent list as empty', () => {
    expect(parseDataPointsPage('steps', {})).toEqual({ points: [], nextPageToken: null });
    expect(
      parseDataPointsPage('steps', { dataPoints: [], nextPageToken: '' }).nextPageToken,
    ).toBeNull();
  });

  it('maps steps, active minutes, weight and daily readings', () => {
    const start = at('2026-11-20T09:00', -5);
    expect(parseDataPointsPage('steps', page([stepsPoint(start, '95')])).points[0]).toEqual({
      platform: 'FITBIT',
      startTime: Date.UTC(2026, 10, 20, 14),
      endTime: Date.UTC(2026, 10, 20, 14, 1),
      startUtcOffsetSeconds: -18_000,
      endUtcOffsetSeconds: -18_000,
      count: 95,
    });
    const active = activeMinutesPoint(start, 30, { light: 5, moderate: 20, vigorous: 5 });
    expect(parseDataPointsPage('active-minutes', page([active])).points[0]).toMatchObject({
      lightMinutes: 5,
      moderateMinutes: 20,
      vigorousMinutes: 5,
    });
    expect(
      parseDataPointsPage('weight', page([weightPoint(start, 81_300.5)])).points[0],
    ).toMatchObject({
      time: Date.UTC(2026, 10, 20, 14),
      grams: 81_300.5,
    });
    expect(
      parseDataPointsPage(
        'daily-resting-heart-rate',
        page([restingHeartRatePoint('2026-11-26', '61')]),
      ).points,
    ).toEqual([{ platform: 'FITBIT', date: '2026-11-26', beatsPerMinute: 61 }]);
  });

  it('maps nightly SpO2 (average and lower confidence bound) and respiratory rate', () => {
    const spo2 = oxygenSaturationPoint('2026-11-26', 95.5, 91.2);
    // Only the fields Vigil reads: the upper bound and the deviation may be absent.
    delete (spo2.dailyOxygenSaturation as Record<string, unknown>).upperBoundPercentage;
    expect(parseDataPointsPage('daily-oxygen-saturation', page([spo2])).points).toEqual([
      {
        platform: 'FITBIT',
        date: '2026-11-26',
        averagePercentage: 95.5,
        lowerBoundPercentage: 91.2,
      },
    ]);
    expect(
      parseDataPointsPage(
        'daily-respiratory-rate',
        page([respiratoryRatePoint('2026-11-26', 14.8)]),
      ).points,
    ).toEqual([{ platform: 'FITBIT', date: '2026-11-26', breathsPerMinute: 14.8 }]);
  });

  it('maps sleep from its summary, stage minutes only for STAGES sleep', () => {
    const night = sleepPoint({
      start: at('2026-11-09T22:30', -5),
      end: at('2026-11-10T06:30', -5),
      asleep: 420,
      awake: 60,
      stages: { deep: 70, light: 250, rem: 100 },
    });
    const nap = sleepPoint({
      start: at('2026-11-10T13:00', -5),
      end: at('2026-11-10T13:45', -5),
      asleep: 40,
      awake: 5,
      nap: true,
    });
    const { points } = parseDataPointsPage('sleep', page([night, nap]));
    expect(points[0]).toMatchObject({
      nap: false,
      minutesAsleep: 420,
      minutesInSleepPeriod: 480,
      minutesAwake: 60,
      deepMinutes: 70,
      lightMinutes: 250,
      remMinutes: 100,
    });
    expect(points[1]).toMatchObject({
      nap: true,
      minutesAsleep: 40,
      minutesInSleepPeriod: 45,
      deepMinutes: null,
    });
  });

  it('sums the stages of a sleep that has no summary yet', () => {
    const point = {
      sleep: {
        interval: {
          startTime: '2026-11-10T03:00:00Z',
          endTime: '2026-11-10T04:00:00Z',
          startUtcOffset: '-18000s',
          endUtcOffset: '-18000s',
        },
        type: 'STAGES',
        stages: [
          { type: 'LIGHT', startTime: '2026-11-10T03:00:00Z', endTime: '2026-11-10T03:25:00Z' },
          { type: 'AWAKE', startTime: '2026-11-10T03:25:00Z', endTime: '2026-11-10T03:30:00Z' },
          { type: 'DEEP', startTime: '2026-11-10T03:30:00Z', endTime: '2026-11-10T04:00:00Z' },
        ],
      },
    };
    expect(parseDataPointsPage('sleep', page([point])).points[0]).toMatchObject({
      minutesAsleep: 55,
      minutesInSleepPeriod: 60,
      minutesAwake: 5,
      deepMinutes: 30,
      lightMinutes: 25,
      remMinutes: 0,
    });
  });

  describe('malformed input', () => {
    const hr = (bpm: unknown) => {
      const point = heartRatePoint(at('2026-11-27T06:30', -7), 60);
      (point.heartRate as Record<string, unknown>).beatsPerMinute = bpm;
      return point;
    };

    it('names the path of a non-integer int64 without echoing the value', () => {
      const points = [hr('60'), hr('61'), hr(62), hr('61.5')];
      const error = errorOf(() => parseDataPointsPage('heart-rate', page(points)));
      expect(error.path).toBe('dataPoints[3].heartRate.beatsPerMinute');
      expect(error.message).toBe('dataPoints[3].heartRate.beatsPerMinute: expected an integer');
      expect(error.message).not.toContain('61.5');
    });

    it.each([
      ['a non-object page', [], 'response', 'expected a JSON object'],
      ['a null page', null, 'response', 'expected a JSON object'],
      [
        'a list that is not an array',
        { dataPoints: { heartRate: {} } },
        'dataPoints',
        'expected an array',
      ],
      [
        'a page token that is not a string',
        { dataPoints: [], nextPageToken: 7 },
        'nextPageToken',
        'expected a string',
      ],
    ])('rejects %s', (_case, body, path, expectation) => {
      const error = errorOf(() => parseDataPointsPage('heart-rate', body));
      expect([error.path, error.message]).toEqual([path, `${path}: ${expectation}`]);
    });

    it.each([
      [
        'a point that is not an object',
        [hr('60'), 187],
        'dataPoints[1]',
        'expected an object',
        '187',
      ],
      [
        'a missing payload',
        [{ steps: {} }],
        'dataPoints[0].heartRate',
        'required field is missing',
        'steps',
      ],
      [
        'a boolean heart rate',
        [hr(true)],
        'dataPoints[0].heartRate.beatsPerMinute',
        'expected an integer',
        'true',
      ],
      [
        'an offset in clock notation',
        [
          {
            heartRate: {
              beatsPerMinute: '60',
              sampleTime: { physicalTime: '2026-11-27T06:30:00Z', utcOffset: '-07:00' },
            },
          },
        ],
        'dataPoints[0].heartRate.sampleTime.utcOffset',
        'expected a UTC offset duration such as "-25200s"',
        '-07:00',
      ],
      [
        'a time that is not RFC 3339',
        [
          {
            heartRate: {
              beatsPerMinute: '60',
              sampleTime: { physicalTime: '1795761000', utcOffset: '0s' },
            },
          },
        ],
        'dataPoints[0].heartRate.sampleTime.physicalTime',
        'expected an RFC 3339 timestamp',
        '1795761000',
      ],
      [
        'a platform that is not a string',
        [{ ...hr('60'), dataSource: { platform: 3 } }],
        'dataPoints[0].dataSource.platform',
        'expected a string',
        '3',
      ],
    ])('rejects %s with its exact path', (_case, dataPoints, path, expectation, value) => {
      const error = errorOf(() => parseDataPointsPage('heart-rate', page(dataPoints)));
      expect([error.path, error.message]).toEqual([path, `${path}: ${expectation}`]);
      expect(error.message).not.toContain(value);
    });

    it('rejects a negative step count and an unparsable weight', () => {
      const steps = stepsPoint(at('2026-11-20T09:00', -5), '-40');
      const stepsError = errorOf(() => parseDataPointsPage('steps', page([steps])));
      expect(stepsError.message).toBe('dataPoints[0].steps.count: expected a non-negative integer');
      const weight = weightPoint(at('2026-11-20T07:00', -5), 0);
      (weight.weight as Record<string, unknown>).weightGrams = '81.3kg';
      const weightError = errorOf(() => parseDataPointsPage('weight', page([weight])));
      expect(weightError.message).toBe('dataPoints[0].weight.weightGrams: expected a number');
      expect(weightError.message).not.toContain('81.3');
    });

    /** An SpO2 point with one field replaced (undefined removes it). */
    const spo2With = (field: string, value: unknown) => {
      const point = oxygenSaturationPoint('2026-11-26', 95.5, 91.2);
      const payload = point.dailyOxygenSaturation as Record<string, unknown>;
      if (value === undefined) delete payload[field];
      else payload[field] = value;
      return point;
    };
    const respiratoryWith = (value: unknown) => {
      const point = respiratoryRatePoint('2026-11-26', 14.8);
      (point.dailyRespiratoryRate as Record<string, unknown>).breathsPerMinute = value;
      return point;
    };

    it.each([
      [
        'an SpO2 point without its lower bound (Required in the contract)',
        'daily-oxygen-saturation' as const,
        spo2With('lowerBoundPercentage', undefined),
        'dailyOxygenSaturation.lowerBoundPercentage',
        'required field is missing',
      ],
      [
        'an SpO2 lower bound with a unit',
        'daily-oxygen-saturation' as const,
        spo2With('lowerBoundPercentage', '91.2%'),
        'dailyOxygenSaturation.lowerBoundPercentage',
        'expected a number',
      ],
      [
        'an SpO2 average that is an object',
        'daily-oxygen-saturation' as const,
        spo2With('averagePercentage', { value: 95.5 }),
        'dailyOxygenSaturation.averagePercentage',
        'expected a number',
      ],
      [
        'a respiratory rate that is a boolean',
        'daily-respiratory-rate' as const,
        respiratoryWith(true),
        'dailyRespiratoryRate.breathsPerMinute',
        'expected a number',
      ],
      [
        'a respiratory rate without its value',
        'daily-respiratory-rate' as const,
        respiratoryWith(undefined),
        'dailyRespiratoryRate.breathsPerMinute',
        'required field is missing',
      ],
    ])('rejects %s with its exact path', (_case, dataType, point, field, expectation) => {
      const error = errorOf(() => parseDataPointsPage(dataType, page([point])));
      expect(error.message).toBe(`dataPoints[0].${field}: ${expectation}`);
      expect(error.message).not.toContain('91.2');
    });

    it('rejects a date with the day omitted', () => {
      const point = restingHeartRatePoint('2026-11-26', 61);
      (point.dailyRestingHeartRate as Record<string, unknown>).date = { year: 2026, month: 11 };
      const error = errorOf(() => parseDataPointsPage('daily-resting-heart-rate', page([point])));
      expect(error.message).toBe(
        'dataPoints[0].dailyRestingHeartRate.date: expected a calendar date {year, month, day}',
      );
    });

    it('names the index inside nested lists', () => {
      const night = sleepPoint({
        start: at('2026-11-09T22:30', -5),
        end: at('2026-11-10T06:30', -5),
        asleep: 420,
        awake: 60,
        stages: { deep: 70, light: 250, rem: 100 },
      });
      const summary = (night.sleep as Record<string, Record<string, unknown>>).summary;
      (summary.stagesSummary as Record<string, unknown>[])[1].minutes = 'lots';
      const error = errorOf(() => parseDataPointsPage('sleep', page([night])));
      expect(error.message).toBe(
        'dataPoints[0].sleep.summary.stagesSummary[1].minutes: expected an integer',
      );
    });

    it('rejects an interval that ends before it starts', () => {
      const point = stepsPoint(at('2026-11-20T09:00', -5), 10);
      const interval = (point.steps as Record<string, Record<string, unknown>>).interval;
      interval.endTime = '2026-11-20T13:00:00Z';
      const error = errorOf(() => parseDataPointsPage('steps', page([point])));
      expect(error.path).toBe('dataPoints[0].steps.interval.endTime');
    });
  });
});

describe('GOOGLE_HEALTH_DATA_TYPES', () => {
  it('gives each type a filter prefix that is its id in snake_case and a filter field under it', () => {
    for (const id of DATA_TYPE_IDS) {
      const spec = GOOGLE_HEALTH_DATA_TYPES[id];
      expect([id, spec.filterPrefix]).toEqual([id, id.replace(/-/g, '_')]);
      expect(spec.timeFilterField.startsWith(`${spec.filterPrefix}.`)).toBe(true);
    }
  });
});

describe('parseDataPointsPieces', () => {
  const points = everyMinute(
    Date.UTC(2026, 2, 2),
    Date.UTC(2026, 2, 3),
    (t) => atInstant(t, -5),
    (m) => heartRatePoint(m, 60 + (m.epochMs % 40)),
  );
  /** The page through cutPage and the pieces parser, or the error it raises. */
  const viaPieces = (text: string): unknown => {
    const cut = cutPage(Buffer.from(text));
    if (cut === null) throw new Error('not cut');
    try {
      return parseDataPointsPieces('heart-rate', cut.envelope, cut.pieces);
    } catch (e) {
      return e;
    }
  };
  const whole = (text: string): unknown => {
    try {
      return parseDataPointsPage('heart-rate', JSON.parse(text));
    } catch (e) {
      return e;
    }
  };

  it('gives the same points as the whole page', () => {
    const text = JSON.stringify(page(points, 'next'));
    const result = viaPieces(text);
    expect(result).toEqual(whole(text));
    expect(result).toMatchObject({ nextPageToken: 'next' });
    expect((result as { points: unknown[] }).points).toHaveLength(1440);
  });

  it('fails on the same point, and on the page token first, as the whole page', () => {
    const bad = structuredClone(points);
    (bad[1000] as { heartRate: { beatsPerMinute: unknown } }).heartRate.beatsPerMinute = '7x';
    (bad[1200] as { heartRate: { beatsPerMinute: unknown } }).heartRate.beatsPerMinute = -1;
    const badPoint = JSON.stringify(page(bad));
    expect(viaPieces(badPoint)).toEqual(whole(badPoint));
    expect((viaPieces(badPoint) as MalformedResponseError).message).toContain('dataPoints[1000]');
    const badToken = JSON.stringify({ dataPoints: bad, nextPageToken: 5 });
    expect((viaPieces(badToken) as MalformedResponseError).message).toContain('nextPageToken');
  });

  it('leaves a page that is not JSON to the whole text', () => {
    const bad = structuredClone(points);
    (bad[700] as { heartRate: { beatsPerMinute: unknown } }).heartRate.beatsPerMinute = 'X';
    expect(viaPieces(JSON.stringify(page(bad)).replace('"X"', '"X'))).toBeNull();
  });
});
