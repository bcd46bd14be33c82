/**
 * Builders of Google Health API JSON (`dataPoints` pages) for tests and the
 * simulator. Times are given as the patient's wall clock plus the UTC offset in
 * force, so expectations can be worked out by hand; everything comes out as
 * the API sends it: int64 as strings, offsets as `"-18000s"`, civil times with
 * zero fields omitted.
 */
import { zoneOffsetSeconds } from '../../time';

export type ApiJson = Record<string, unknown>;

/** An instant as the API describes it, with its epoch milliseconds for arithmetic in tests. */
export interface Moment {
  epochMs: number;
  physicalTime: string;
  utcOffset: string;
  civilTime: ApiJson;
}

function withoutZeros(fields: Record<string, number>): ApiJson {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== 0));
}

function civilTime(epochMs: number, offsetSeconds: number): ApiJson {
  const local = new Date(epochMs + offsetSeconds * 1000);
  return {
    date: { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() },
    time: withoutZeros({
      hours: local.getUTCHours(),
      minutes: local.getUTCMinutes(),
      seconds: local.getUTCSeconds(),
    }),
  };
}

function moment(epochMs: number, offsetSeconds: number): Moment {
  return {
    epochMs,
    physicalTime: new Date(epochMs).toISOString().replace('.000Z', 'Z'),
    utcOffset: `${offsetSeconds}s`,
    civilTime: civilTime(epochMs, offsetSeconds),
  };
}

/** Wall-clock `YYYY-MM-DDTHH:MM[:SS]` at a fixed UTC offset in hours, e.g. `at('2026-11-20T08:00', -5)`. */
export function at(local: string, offsetHours: number): Moment {
  const wall = Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`);
  if (Number.isNaN(wall)) throw new Error(`test-points: bad local time ${local}`);
  const offsetSeconds = Math.round(offsetHours * 3600);
  return moment(wall - offsetSeconds * 1000, offsetSeconds);
}

/** An epoch instant at a fixed UTC offset in hours. */
export function atInstant(epochMs: number, offsetHours: number): Moment {
  return moment(epochMs, Math.round(offsetHours * 3600));
}

/** An instant in an IANA zone, the offset taken from the platform's time zone data. */
export function inZone(timeZone: string, epochMs: number): Moment {
  return moment(epochMs, zoneOffsetSeconds(timeZone, epochMs));
}

/** The same offset, `minutes` later (no zone change in between). */
export function later(start: Moment, minutes: number): Moment {
  return moment(start.epochMs + minutes * 60_000, Number(start.utcOffset.slice(0, -1)));
}

function source(platform: string): ApiJson {
  return { platform, recordingMethod: 'PASSIVELY_MEASURED' };
}

function date(isoDate: string): ApiJson {
  const [year, month, day] = isoDate.split('-').map(Number);
  return { year, month, day };
}

function interval(start: Moment, end: Moment): ApiJson {
  return {
    startTime: start.physicalTime,
    endTime: end.physicalTime,
    startUtcOffset: start.utcOffset,
    endUtcOffset: end.utcOffset,
    civilStartTime: start.civilTime,
    civilEndTime: end.civilTime,
  };
}

function sampleTime(m: Moment): ApiJson {
  return { physicalTime: m.physicalTime, utcOffset: m.utcOffset, civilTime: m.civilTime };
}

export function heartRatePoint(m: Moment, bpm: number | string, platform = 'FITBIT'): ApiJson {
  return {
    dataSource: source(platform),
    heartRate: { beatsPerMinute: String(bpm), sampleTime: sampleTime(m) },
  };
}

export function stepsPoint(
  start: Moment,
  count: number | string,
  minutes = 1,
  platform = 'FITBIT',
): ApiJson {
  return {
    dataSource: source(platform),
    steps: { count: String(count), interval: interval(start, later(start, minutes)) },
  };
}

export function activeMinutesPoint(
  start: Moment,
  minutes: number,
  levels: { light?: number; moderate?: number; vigorous?: number },
  platform = 'FITBIT',
): ApiJson {
  const byLevel = (['light', 'moderate', 'vigorous'] as const)
    .filter((level) => levels[level] !== undefined)
    .map((level) => ({ activityLevel: level.toUpperCase(), activeMinutes: String(levels[level]) }));
  return {
    dataSource: source(platform),
    activeMinutes: {
      interval: interval(start, later(start, minutes)),
      activeMinutesByActivityLevel: byLevel,
    },
  };
}

export function restingHeartRatePoint(
  isoDate: string,
  bpm: number | string,
  platform = 'FITBIT',
): ApiJson {
  return {
    dataSource: { platform, recordingMethod: 'DERIVED' },
    dailyRestingHeartRate: {
      date: date(isoDate),
      beatsPerMinute: String(bpm),
      dailyRestingHeartRateMetadata: { calculationMethod: 'WITH_SLEEP' },
    },
  };
}

export function heartRateVariabilityPoint(
  isoDate: string,
  averageMs: number,
  deepSleepMs?: number,
): ApiJson {
  return {
    dataSource: source('FITBIT'),
    dailyHeartRateVariability: {
      date: date(isoDate),
      averageHeartRateVariabilityMilliseconds: averageMs,
      ...(deepSleepMs === undefined
        ? {}
        : { deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds: deepSleepMs }),
    },
  };
}

export function oxygenSaturationPoint(
  isoDate: string,
  average: number,
  lowerBound: number,
): ApiJson {
  return {
    dataSource: source('FITBIT'),
    dailyOxygenSaturation: {
      date: date(isoDate),
      averagePercentage: average,
      lowerBoundPercentage: lowerBound,
      upperBoundPercentage: Math.min(100, 2 * average - lowerBound),
    },
  };
}

export function respiratoryRatePoint(isoDate: string, breathsPerMinute: number): ApiJson {
  return {
    dataSource: source('FITBIT'),
    dailyRespiratoryRate: { date: date(isoDate), breathsPerMinute },
  };
}

export function skinTemperaturePoint(isoDate: string, nightly: number, baseline?: number): ApiJson {
  return {
    dataSource: source('FITBIT'),
    dailySleepTemperatureDerivations: {
      date: date(isoDate),
      nightlyTemperatureCelsius: nightly,
      ...(baseline === undefined ? {} : { baselineTemperatureCelsius: baseline }),
    },
  };
}

export interface SleepFixture {
  start: Moment;
  end: Moment;
  asleep: number;
  awake: number;
  nap?: boolean;
  /** Stage minutes for STAGES sleep; omitted for CLASSIC sleep. */
  stages?: { deep: number; light: number; rem: number };
}

/** A processed sleep session with its summary; minutes in the period = asleep + awake. */
export function sleepPoint(s: SleepFixture, platform = 'FITBIT'): ApiJson {
  const stagesSummary = s.stages
    ? [
        { type: 'DEEP', minutes: String(s.stages.deep), count: '3' },
        { type: 'LIGHT', minutes: String(s.stages.light), count: '9' },
        { type: 'REM', minutes: String(s.stages.rem), count: '4' },
        { type: 'AWAKE', minutes: String(s.awake), count: '6' },
      ]
    : [
        { type: 'ASLEEP', minutes: String(s.asleep), count: '1' },
        { type: 'AWAKE', minutes: String(s.awake), count: '2' },
      ];
  return {
    dataSource: source(platform),
    sleep: {
      interval: interval(s.start, s.end),
      type: s.stages ? 'STAGES' : 'CLASSIC',
      metadata: {
        nap: s.nap ?? false,
        processed: true,
        stagesStatus: s.stages ? 'SUCCEEDED' : 'REJECTED_NAP',
      },
      summary: {
        minutesInSleepPeriod: String(s.asleep + s.awake),
        minutesAsleep: String(s.asleep),
        minutesAwake: String(s.awake),
        stagesSummary: stagesSummary.filter((e) => e.minutes !== '0'),
      },
    },
  };
}

export function weightPoint(m: Moment, grams: number, platform = 'FITBIT'): ApiJson {
  return {
    dataSource: { platform, recordingMethod: 'MANUAL' },
    weight: { sampleTime: sampleTime(m), weightGrams: grams },
  };
}

/** One `dataPoints` list page. */
export function page(dataPoints: unknown[], nextPageToken = ''): ApiJson {
  return { dataPoints, nextPageToken };
}

/**
 * One point per physical minute in [from, to), each built by `build` from its
 * moment; `moment` decides the offset (fixed, or from a zone for DST).
 */
export function everyMinute(
  fromMs: number,
  toMs: number,
  momentAt: (epochMs: number) => Moment,
  build: (m: Moment) => ApiJson | null,
): ApiJson[] {
  const points: ApiJson[] = [];
  for (let t = fromMs; t < toMs; t += 60_000) {
    const point = build(momentAt(t));
    if (point) points.push(point);
  }
  return points;
}
