import { MINUTE_MS } from '../../time';
import { DataTypeId, GOOGLE_HEALTH_DATA_TYPES } from './data-types';
import {
  fail,
  isJsonObject,
  JsonObject,
  optionalBoolean,
  optionalNumber,
  optionalObject,
  optionalString,
  requireCount,
  requireDate,
  requireNumber,
  requireObject,
  requireString,
  requireTimestamp,
  requireUtcOffset,
} from './json-fields';
import { MalformedResponseError } from './malformed-response-error';

export { MalformedResponseError } from './malformed-response-error';

/**
 * Typed points mapped from one page of `users/me/dataTypes/{type}/dataPoints`
 * (list or reconcile). Instants are epoch milliseconds and offsets seconds, so
 * downsampling can find local dates with arithmetic alone.
 */

export interface RecordedPoint {
  /** `dataSource.platform` (FITBIT, HEALTH_KIT, ...); null when absent, as in reconciled points. */
  platform: string | null;
}

export interface HeartRateSample extends RecordedPoint {
  time: number;
  utcOffsetSeconds: number;
  beatsPerMinute: number;
}

export interface TimedInterval extends RecordedPoint {
  startTime: number;
  endTime: number;
  startUtcOffsetSeconds: number;
  endUtcOffsetSeconds: number;
}

export interface StepsInterval extends TimedInterval {
  count: number;
}

export interface ActiveMinutesInterval extends TimedInterval {
  lightMinutes: number;
  moderateMinutes: number;
  vigorousMinutes: number;
}

export interface DailyReading extends RecordedPoint {
  /** The patient's local civil date the provider computed it for, `YYYY-MM-DD`. */
  date: string;
}

export interface DailyRestingHeartRate extends DailyReading {
  beatsPerMinute: number;
}

export interface DailyHeartRateVariability extends DailyReading {
  /** Nightly RMSSD; the API may send any subset of its HRV fields. */
  averageMilliseconds: number | null;
}

export interface DailyOxygenSaturation extends DailyReading {
  /** Mean of the night's SpO2 samples, %. */
  averagePercentage: number;
  /** Lower bound of the confidence interval of the night's samples, %: not the lowest sample. */
  lowerBoundPercentage: number;
}

export interface DailyRespiratoryRate extends DailyReading {
  breathsPerMinute: number;
}

export interface DailySkinTemperature extends DailyReading {
  nightlyCelsius: number;
  /** Median of the last 30 nights; absent until the provider has enough nights. */
  baselineCelsius: number | null;
}

export interface SleepSession extends TimedInterval {
  nap: boolean;
  /** Null when the session has neither a summary nor stages yet (still processing). */
  minutesAsleep: number | null;
  minutesInSleepPeriod: number;
  minutesAwake: number;
  /** Stage minutes exist only for STAGES sleep; CLASSIC sleep has just asleep/awake. */
  deepMinutes: number | null;
  lightMinutes: number | null;
  remMinutes: number | null;
}

export interface WeightMeasurement extends RecordedPoint {
  time: number;
  utcOffsetSeconds: number;
  grams: number;
}

export interface PointsByDataType {
  'heart-rate': HeartRateSample;
  steps: StepsInterval;
  'active-minutes': ActiveMinutesInterval;
  'daily-resting-heart-rate': DailyRestingHeartRate;
  'daily-heart-rate-variability': DailyHeartRateVariability;
  'daily-oxygen-saturation': DailyOxygenSaturation;
  'daily-respiratory-rate': DailyRespiratoryRate;
  'daily-sleep-temperature-derivations': DailySkinTemperature;
  sleep: SleepSession;
  weight: WeightMeasurement;
}

/**
 * One patient's points by data type. A missing key means the type was not
 * fetched (not needed or not granted), which downsampling tells apart from an
 * empty list (fetched, nothing recorded).
 */
export type WearablePoints = { [K in DataTypeId]?: readonly PointsByDataType[K][] };

export interface DataPointsPage<K extends DataTypeId> {
  points: PointsByDataType[K][];
  /** Null when this is the last page (token empty or absent). */
  nextPageToken: string | null;
}

function readInterval(
  interval: JsonObject,
  platform: string | null,
  index: number,
  field: string,
): TimedInterval {
  const startTime = requireTimestamp(interval.startTime, index, `${field}.startTime`);
  const endTime = requireTimestamp(interval.endTime, index, `${field}.endTime`);
  if (endTime < startTime) fail(index, `${field}.endTime`, 'expected an end not before the start');
  return {
    platform,
    startTime,
    endTime,
    startUtcOffsetSeconds: requireUtcOffset(
      interval,
      'startUtcOffset',
      'civilStartTime',
      startTime,
      index,
      field,
    ),
    endUtcOffsetSeconds: requireUtcOffset(
      interval,
      'endUtcOffset',
      'civilEndTime',
      endTime,
      index,
      field,
    ),
  };
}

function parseHeartRate(payload: JsonObject, platform: string | null, i: number): HeartRateSample {
  // Built in one literal: this runs for every heart-rate sample of a backfill.
  const sampleTime = requireObject(payload.sampleTime, i, 'heartRate.sampleTime');
  const time = requireTimestamp(sampleTime.physicalTime, i, 'heartRate.sampleTime.physicalTime');
  return {
    platform,
    time,
    utcOffsetSeconds: requireUtcOffset(
      sampleTime,
      'utcOffset',
      'civilTime',
      time,
      i,
      'heartRate.sampleTime',
    ),
    beatsPerMinute: requireCount(payload.beatsPerMinute, i, 'heartRate.beatsPerMinute'),
  };
}

function parseSteps(payload: JsonObject, platform: string | null, i: number): StepsInterval {
  const interval = requireObject(payload.interval, i, 'steps.interval');
  return {
    ...readInterval(interval, platform, i, 'steps.interval'),
    count: requireCount(payload.count, i, 'steps.count', true),
  };
}

function parseActiveMinutes(
  payload: JsonObject,
  platform: string | null,
  i: number,
): ActiveMinutesInterval {
  const interval = requireObject(payload.interval, i, 'activeMinutes.interval');
  const levels = payload.activeMinutesByActivityLevel ?? [];
  if (!Array.isArray(levels))
    fail(i, 'activeMinutes.activeMinutesByActivityLevel', 'expected an array');
  const point: ActiveMinutesInterval = {
    ...readInterval(interval, platform, i, 'activeMinutes.interval'),
    lightMinutes: 0,
    moderateMinutes: 0,
    vigorousMinutes: 0,
  };
  for (let j = 0; j < levels.length; j++) {
    const field = `activeMinutes.activeMinutesByActivityLevel[${j}]`;
    const level = requireObject(levels[j], i, field);
    const minutes = requireCount(level.activeMinutes, i, `${field}.activeMinutes`, true);
    const name = requireString(level.activityLevel, i, `${field}.activityLevel`);
    if (name === 'LIGHT') point.lightMinutes += minutes;
    else if (name === 'MODERATE') point.moderateMinutes += minutes;
    else if (name === 'VIGOROUS') point.vigorousMinutes += minutes;
  }
  return point;
}

function parseRestingHeartRate(
  payload: JsonObject,
  platform: string | null,
  i: number,
): DailyRestingHeartRate {
  return {
    platform,
    date: requireDate(payload.date, i, 'dailyRestingHeartRate.date'),
    beatsPerMinute: requireCount(payload.beatsPerMinute, i, 'dailyRestingHeartRate.beatsPerMinute'),
  };
}

function parseHeartRateVariability(
  payload: JsonObject,
  platform: string | null,
  i: number,
): DailyHeartRateVariability {
  return {
    platform,
    date: requireDate(payload.date, i, 'dailyHeartRateVariability.date'),
    averageMilliseconds: optionalNumber(
      payload.averageHeartRateVariabilityMilliseconds,
      i,
      'dailyHeartRateVariability.averageHeartRateVariabilityMilliseconds',
    ),
  };
}

function parseOxygenSaturation(
  payload: JsonObject,
  platform: string | null,
  i: number,
): DailyOxygenSaturation {
  // The contract (discovery schema DailyOxygenSaturation) marks the average and
  // both bounds Required, whatever the source: a point without them is a broken
  // response, not a thin night. The upper bound and deviation are not read.
  return {
    platform,
    date: requireDate(payload.date, i, 'dailyOxygenSaturation.date'),
    averagePercentage: requireNumber(
      payload.averagePercentage,
      i,
      'dailyOxygenSaturation.averagePercentage',
    ),
    lowerBoundPercentage: requireNumber(
      payload.lowerBoundPercentage,
      i,
      'dailyOxygenSaturation.lowerBoundPercentage',
    ),
  };
}

function parseRespiratoryRate(
  payload: JsonObject,
  platform: string | null,
  i: number,
): DailyRespiratoryRate {
  return {
    platform,
    date: requireDate(payload.date, i, 'dailyRespiratoryRate.date'),
    breathsPerMinute: requireNumber(
      payload.breathsPerMinute,
      i,
      'dailyRespiratoryRate.breathsPerMinute',
    ),
  };
}

function parseSkinTemperature(
  payload: JsonObject,
  platform: string | null,
  i: number,
): DailySkinTemperature {
  const field = 'dailySleepTemperatureDerivations';
  return {
    platform,
    date: requireDate(payload.date, i, `${field}.date`),
    nightlyCelsius: requireNumber(
      payload.nightlyTemperatureCelsius,
      i,
      `${field}.nightlyTemperatureCelsius`,
    ),
    baselineCelsius: optionalNumber(
      payload.baselineTemperatureCelsius,
      i,
      `${field}.baselineTemperatureCelsius`,
    ),
  };
}

const SLEEP_STAGE_TYPES = ['AWAKE', 'LIGHT', 'DEEP', 'REM', 'ASLEEP', 'RESTLESS'] as const;
type SleepStageType = (typeof SLEEP_STAGE_TYPES)[number];

function stageType(value: unknown, i: number, field: string): SleepStageType | null {
  const name = requireString(value, i, field);
  return (SLEEP_STAGE_TYPES as readonly string[]).includes(name) ? (name as SleepStageType) : null;
}

/** Minutes per stage type from `summary.stagesSummary`, or from the stages themselves. */
function stageMinutes(
  sleep: JsonObject,
  summary: JsonObject | undefined,
  i: number,
): Record<SleepStageType, number> {
  const minutes: Record<SleepStageType, number> = {
    AWAKE: 0,
    LIGHT: 0,
    DEEP: 0,
    REM: 0,
    ASLEEP: 0,
    RESTLESS: 0,
  };
  if (summary !== undefined) {
    const entries = summary.stagesSummary ?? [];
    if (!Array.isArray(entries)) fail(i, 'sleep.summary.stagesSummary', 'expected an array');
    for (let j = 0; j < entries.length; j++) {
      const field = `sleep.summary.stagesSummary[${j}]`;
      const entry = requireObject(entries[j], i, field);
      const type = stageType(entry.type, i, `${field}.type`);
      const value = requireCount(entry.minutes, i, `${field}.minutes`, true);
      if (type !== null) minutes[type] += value;
    }
    return minutes;
  }
  const stages = sleep.stages ?? [];
  if (!Array.isArray(stages)) fail(i, 'sleep.stages', 'expected an array');
  for (let j = 0; j < stages.length; j++) {
    const field = `sleep.stages[${j}]`;
    const stage = requireObject(stages[j], i, field);
    const type = stageType(stage.type, i, `${field}.type`);
    const start = requireTimestamp(stage.startTime, i, `${field}.startTime`);
    const end = requireTimestamp(stage.endTime, i, `${field}.endTime`);
    if (type !== null) minutes[type] += Math.round((end - start) / MINUTE_MS);
  }
  return minutes;
}

function parseSleep(payload: JsonObject, platform: string | null, i: number): SleepSession {
  const interval = readInterval(
    requireObject(payload.interval, i, 'sleep.interval'),
    platform,
    i,
    'sleep.interval',
  );
  const metadata = optionalObject(payload.metadata, i, 'sleep.metadata');
  const summary = optionalObject(payload.summary, i, 'sleep.summary');
  const stages = stageMinutes(payload, summary, i);
  const hasStages =
    optionalString(payload.type, i, 'sleep.type') === 'STAGES' ||
    stages.DEEP + stages.LIGHT + stages.REM > 0;
  const hasStageList = Array.isArray(payload.stages) && payload.stages.length > 0;
  const stagedAsleep = stages.LIGHT + stages.DEEP + stages.REM + stages.ASLEEP;
  return {
    ...interval,
    nap: optionalBoolean(metadata?.nap, i, 'sleep.metadata.nap'),
    // Summary figures are the provider's own; without a summary, the stages
    // (which cover the sleep period without overlap) give the same sums.
    minutesAsleep: summary
      ? requireCount(summary.minutesAsleep, i, 'sleep.summary.minutesAsleep', true)
      : hasStageList
        ? stagedAsleep
        : null,
    minutesInSleepPeriod: summary
      ? requireCount(summary.minutesInSleepPeriod, i, 'sleep.summary.minutesInSleepPeriod', true)
      : Math.round((interval.endTime - interval.startTime) / MINUTE_MS),
    minutesAwake: summary
      ? requireCount(summary.minutesAwake, i, 'sleep.summary.minutesAwake', true)
      : stages.AWAKE,
    deepMinutes: hasStages ? stages.DEEP : null,
    lightMinutes: hasStages ? stages.LIGHT : null,
    remMinutes: hasStages ? stages.REM : null,
  };
}

function parseWeight(payload: JsonObject, platform: string | null, i: number): WeightMeasurement {
  const grams = requireNumber(payload.weightGrams, i, 'weight.weightGrams');
  if (grams <= 0) fail(i, 'weight.weightGrams', 'expected a positive number');
  const sampleTime = requireObject(payload.sampleTime, i, 'weight.sampleTime');
  const time = requireTimestamp(sampleTime.physicalTime, i, 'weight.sampleTime.physicalTime');
  const utcOffsetSeconds = requireUtcOffset(
    sampleTime,
    'utcOffset',
    'civilTime',
    time,
    i,
    'weight.sampleTime',
  );
  return { platform, time, utcOffsetSeconds, grams };
}

type PointParser<K extends DataTypeId> = (
  payload: JsonObject,
  platform: string | null,
  index: number,
) => PointsByDataType[K];

const PARSERS: { [K in DataTypeId]: PointParser<K> } = {
  'heart-rate': parseHeartRate,
  steps: parseSteps,
  'active-minutes': parseActiveMinutes,
  'daily-resting-heart-rate': parseRestingHeartRate,
  'daily-heart-rate-variability': parseHeartRateVariability,
  'daily-oxygen-saturation': parseOxygenSaturation,
  'daily-respiratory-rate': parseRespiratoryRate,
  'daily-sleep-temperature-derivations': parseSkinTemperature,
  sleep: parseSleep,
  weight: parseWeight,
};

/**
 * Validates and maps one page of a `dataPoints` list or reconcile response.
 * Throws {@link MalformedResponseError} naming the first bad field's JSON path;
 * a malformed page fails the sync rather than being half-read.
 */
export function parseDataPointsPage<K extends DataTypeId>(
  dataType: K,
  body: unknown,
): DataPointsPage<K> {
  if (!isJsonObject(body)) throw new MalformedResponseError('response', 'expected a JSON object');
  const rawPoints = body.dataPoints ?? [];
  if (!Array.isArray(rawPoints))
    throw new MalformedResponseError('dataPoints', 'expected an array');
  const nextPageToken = readPageToken(body);
  const parse: PointParser<K> = PARSERS[dataType];
  const payloadKey = GOOGLE_HEALTH_DATA_TYPES[dataType].payloadKey;
  const points: PointsByDataType[K][] = new Array<PointsByDataType[K]>(rawPoints.length);
  for (let i = 0; i < rawPoints.length; i++)
    points[i] = parsePoint(parse, payloadKey, rawPoints[i], i);
  return { points, nextPageToken };
}

/**
 * The same for a page cut in pieces (json-page.ts), parsed a piece at a time:
 * the same points, or the same error, as {@link parseDataPointsPage} of the
 * whole page. Null when a piece is not JSON: the whole text then decides.
 */
export function parseDataPointsPieces<K extends DataTypeId>(
  dataType: K,
  envelope: JsonObject,
  pieces: readonly string[],
): DataPointsPage<K> | null {
  // Errors wait until every piece is known to be JSON: a text that is not JSON fails as such.
  let failure: unknown = null;
  let nextPageToken: string | null = null;
  try {
    nextPageToken = readPageToken(envelope);
  } catch (error) {
    failure = error;
  }
  const parse: PointParser<K> = PARSERS[dataType];
  const payloadKey = GOOGLE_HEALTH_DATA_TYPES[dataType].payloadKey;
  const points: PointsByDataType[K][] = [];
  for (const piece of pieces) {
    let raw: unknown[];
    try {
      raw = JSON.parse(`[${piece}]`) as unknown[];
    } catch {
      return null;
    }
    if (raw.length === 0) return null;
    if (failure !== null) continue;
    try {
      for (const point of raw) points.push(parsePoint(parse, payloadKey, point, points.length));
    } catch (error) {
      if (!(error instanceof MalformedResponseError)) throw error;
      failure = error;
    }
  }
  if (failure !== null) throw failure;
  return { points, nextPageToken };
}

function readPageToken(body: JsonObject): string | null {
  const token = body.nextPageToken ?? '';
  if (typeof token !== 'string')
    throw new MalformedResponseError('nextPageToken', 'expected a string');
  return token === '' ? null : token;
}

function parsePoint<K extends DataTypeId>(
  parse: PointParser<K>,
  payloadKey: string,
  raw: unknown,
  i: number,
): PointsByDataType[K] {
  if (!isJsonObject(raw))
    throw new MalformedResponseError(`dataPoints[${i}]`, 'expected an object');
  const source = optionalObject(raw.dataSource, i, 'dataSource');
  const platform = optionalString(source?.platform, i, 'dataSource.platform');
  return parse(requireObject(raw[payloadKey], i, payloadKey), platform, i);
}
