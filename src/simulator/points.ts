/**
 * Turns a generated day into Google Health API DataPoint JSON, newest first.
 * Field names follow the Discovery document (checked by discovery-keys.spec.ts).
 */
import { DayRecord, offsetAt, SimulatedUser, SleepSession, SleepStageType } from './cohort';
import { SimulatedDataTypeId } from './data-types';
import { FilterablePoint } from './filter';
import {
  cadenceOfMinute,
  MINUTE_CADENCE_SECONDS,
  MinuteSamples,
  samplesOfMinute,
} from './heart-rate-cadence';
import { JsonWriter } from './json-writer';
// From the modules themselves: the `../time` barrel's CommonJS re-exports are getters, read per minute here.
import { civilDateTime, DAY_MS, HOUR_MS, MINUTE_MS, parseDate } from '../time/civil-time';
import { civilDateTimeJson, dateOfDay, durationString, rfc3339 } from './time';

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** Where a point came from; `google-wearables` keeps only `tracker` (and scale) points. */
export type PointOrigin = 'tracker' | 'scale' | 'manual' | 'healthkit';

export interface PointEntry extends FilterablePoint {
  origin: PointOrigin;
  /** Instant the point reaches Google (after the device's next sync; later on a late day). */
  recordedAtMs: number;
  /** Distinguishes duplicates of the same point (the HealthKit mirror, a listed-twice copy). */
  sourceRank: number;
  build(): JsonObject;
  /** Writes `JSON.stringify(build())`, where a point type has a faster direct form. */
  writeJson?(out: JsonWriter): void;
}

function dataSource(user: SimulatedUser, origin: PointOrigin, recordingMethod: string): JsonObject {
  switch (origin) {
    case 'tracker':
      return {
        platform: 'FITBIT',
        recordingMethod,
        device: { displayName: user.deviceName, formFactor: 'WATCH', manufacturer: 'Google' },
      };
    case 'scale':
      return {
        platform: 'FITBIT',
        recordingMethod,
        device: { displayName: 'Aria Air', formFactor: 'SCALE', manufacturer: 'Google' },
      };
    case 'manual':
      return { platform: 'FITBIT', recordingMethod: 'MANUAL' };
    case 'healthkit':
      return {
        platform: 'HEALTH_KIT',
        recordingMethod,
        device: { displayName: 'iPhone', formFactor: 'PHONE', manufacturer: 'Apple' },
      };
  }
}

function pointName(user: SimulatedUser, dataType: SimulatedDataTypeId, id: string): string {
  return `users/${user.healthUserId}/dataTypes/${dataType}/dataPoints/${id}`;
}

function sampleTime(instantMs: number, offsetSeconds: number): JsonObject {
  return {
    physicalTime: rfc3339(instantMs),
    utcOffset: durationString(offsetSeconds),
    civilTime: civilDateTimeJson(instantMs, offsetSeconds) as unknown as JsonObject,
  };
}

function interval(
  startMs: number,
  startOffset: number,
  endMs: number,
  endOffset: number,
): JsonObject {
  return {
    startTime: rfc3339(startMs),
    startUtcOffset: durationString(startOffset),
    endTime: rfc3339(endMs),
    endUtcOffset: durationString(endOffset),
    civilStartTime: civilDateTimeJson(startMs, startOffset) as unknown as JsonObject,
    civilEndTime: civilDateTimeJson(endMs, endOffset) as unknown as JsonObject,
  };
}

/** The civil `time` JSON of each minute of a day (proto3 JSON omits zeros). */
const TIME_JSON = Array.from({ length: 1440 }, (_, m) => {
  const hours = Math.floor(m / 60);
  const minutes = m % 60;
  if (!hours && !minutes) return '}';
  const parts = [hours ? `"hours":${hours}` : null, minutes ? `"minutes":${minutes}` : null];
  return `,"time":{${parts.filter(Boolean).join(',')}}}`;
});
const dateJsonByDay = new Map<number, string>();

/** `{"date":{...}` (unclosed) of a day number since the epoch. */
function dateJson(dayNumber: number): string {
  let json = dateJsonByDay.get(dayNumber);
  if (json === undefined) {
    const { year, month, day } = parseDate(dateOfDay(dayNumber));
    json = `{"date":{"year":${year},"month":${month},"day":${day}}`;
    if (dateJsonByDay.size > 10_000) dateJsonByDay.clear();
    dateJsonByDay.set(dayNumber, json);
  }
  return json;
}

/** The `time` fields of each minute of a day with a seconds field to follow. */
const TIME_PARTS = Array.from({ length: 1440 }, (_, m) => {
  const hours = Math.floor(m / 60);
  const minutes = m % 60;
  return [hours ? `"hours":${hours},` : '', minutes ? `"minutes":${minutes},` : ''].join('');
});

/** `civilDateTimeJson` of a whole-second instant at a whole-minute offset, as JSON. */
function civilText(instantMs: number, offsetSeconds: number): string {
  const localMs = instantMs + offsetSeconds * 1000;
  const localDay = Math.floor(localMs / DAY_MS);
  const msOfDay = localMs - localDay * DAY_MS;
  const minute = Math.floor(msOfDay / MINUTE_MS);
  const second = (msOfDay - minute * MINUTE_MS) / 1000;
  const time =
    second === 0 ? TIME_JSON[minute] : `,"time":{${TIME_PARTS[minute]}"seconds":${second}}}`;
  return dateJson(localDay) + time;
}

/**
 * One minute sample (heart rate) or minute interval (steps). A class rather
 * than a literal with closures: a served day has ~1,400 of them, and a list
 * writes them straight to JSON (`writeJson`), the text `JSON.stringify(build())`
 * gives, without building the object tree.
 */
class MinutePoint implements PointEntry {
  readonly origin: PointOrigin = 'tracker';
  sourceRank = 0;
  recordedAtMs: number;
  private civilStartText: string | null = null;

  constructor(
    private readonly source: { json: string; object: JsonObject },
    private readonly dataType: 'heart-rate' | 'steps',
    /** Beats per minute or steps: what a roll-up adds up. */
    readonly value: number,
    readonly startMs: number,
    readonly endMs: number,
    private readonly offset: number,
    private readonly endOffset: number,
  ) {
    this.recordedAtMs = endMs;
  }

  get civilStart(): string {
    return (this.civilStartText ??= civilDateTime(this.startMs, this.offset));
  }

  get civilEnd(): string {
    return civilDateTime(this.endMs, this.endOffset);
  }

  get date(): string {
    return this.civilStart.slice(0, 10);
  }

  build(): JsonObject {
    // Minute points carry no `name`: Google names only identifiable data types.
    if (this.dataType === 'heart-rate') {
      return {
        dataSource: this.source.object,
        heartRate: {
          beatsPerMinute: String(this.value),
          sampleTime: sampleTime(this.startMs, this.offset),
        },
      };
    }
    return {
      dataSource: this.source.object,
      steps: {
        count: String(this.value),
        interval: interval(this.startMs, this.offset, this.endMs, this.endOffset),
      },
    };
  }

  writeJson(out: JsonWriter): void {
    const wholeMinutes = (ms: number): boolean => ms % MINUTE_MS === 0;
    if (
      this.startMs % 1000 !== 0 ||
      this.endMs % 1000 !== 0 ||
      !wholeMinutes(this.offset * 1000) ||
      !wholeMinutes(this.endOffset * 1000)
    ) {
      out.raw(JSON.stringify(this.build()));
      return;
    }
    const start = rfc3339(this.startMs);
    const civilStart = civilText(this.startMs, this.offset);
    // One write per point: many small writes cost more than building the point's text.
    out.raw(
      this.dataType === 'heart-rate'
        ? `{"dataSource":${this.source.json},"heartRate":{"beatsPerMinute":"${this.value}","sampleTime":{"physicalTime":"${start}","utcOffset":"${this.offset}s","civilTime":${civilStart}}}}`
        : `{"dataSource":${this.source.json},"steps":{"count":"${this.value}","interval":{"startTime":"${start}","startUtcOffset":"${this.offset}s","endTime":"${rfc3339(this.endMs)}","endUtcOffset":"${this.endOffset}s","civilStartTime":${civilStart},"civilEndTime":${civilText(this.endMs, this.endOffset)}}}}`,
    );
  }
}

/**
 * The UTC offset the tracker stamps on a point: the offset in force, except
 * for `staleOffsetHours` after a change within the day (DST, a flight), when
 * it still stamps the one before.
 */
export function stampedOffset(day: DayRecord, instantMs: number): number {
  const hours = day.effects.staleOffsetHours;
  if (hours > 0) {
    for (let i = 1; i < day.offsets.length; i++) {
      const change = day.offsets[i].fromMs;
      if (instantMs >= change && instantMs < change + hours * HOUR_MS)
        return day.offsets[i - 1].offsetSeconds;
    }
  }
  return offsetAt(day.offsets, instantMs);
}

/**
 * Visits one recorded minute: its samples (heart rate, `60 / cadence` of
 * them, `spacingMs` apart) or its one step interval, starting at `startMs`. A
 * point lasts `intervalMs` (0 for a sample, a minute for a step interval) and
 * is recorded at its end.
 */
export type MinuteVisitor = (
  minute: number,
  startMs: number,
  spacingMs: number,
  samples: MinuteSamples,
  intervalMs: number,
) => void;

/**
 * The minutes a tracker records heart rate or steps in, newest first. Lists
 * make points of their samples; roll-ups add up whole minutes without making
 * any, which at Fitbit's cadence (17,000 samples a day) is most of their work.
 */
export function forEachRecordedMinute(
  day: DayRecord,
  dataType: 'heart-rate' | 'steps',
  cadenceSeconds: number,
  visit: MinuteVisitor,
): void {
  const values = dataType === 'heart-rate' ? day.heartRate : day.steps;
  // A tracker that lists worn minutes without steps as 0-step intervals (not a stopped step stream).
  const zeroSteps =
    dataType === 'steps' &&
    day.effects.zeroStepIntervals &&
    !day.effects.stoppedStreams.includes('steps');
  for (let minute = values.length - 1; minute >= 0; minute--) {
    const value = values[minute];
    if (value === 0 && !(zeroSteps && day.heartRate[minute] > 0)) continue;
    const startMs = day.startMs + minute * MINUTE_MS;
    if (dataType === 'heart-rate') {
      const cadence = cadenceOfMinute(cadenceSeconds, day.steps[minute]);
      visit(minute, startMs, cadence * 1000, samplesOfMinute(value, minute, cadence), 0);
    } else {
      visit(
        minute,
        startMs,
        MINUTE_MS,
        samplesOfMinute(value, minute, MINUTE_CADENCE_SECONDS),
        MINUTE_MS,
      );
    }
  }
}

function minuteEntries(
  user: SimulatedUser,
  day: DayRecord,
  dataType: 'heart-rate' | 'steps',
  cadenceSeconds: number,
): PointEntry[] {
  const object = dataSource(
    user,
    'tracker',
    dataType === 'heart-rate' ? 'PASSIVELY_MEASURED' : 'DERIVED',
  );
  const source = { json: JSON.stringify(object), object };
  const duplicateEvery = day.effects.duplicateEvery;
  const entries: PointEntry[] = [];
  let points = 0;
  forEachRecordedMinute(
    day,
    dataType,
    cadenceSeconds,
    (_minute, startMs, spacingMs, samples, intervalMs) => {
      // A minute's samples carry the offset stamped at the minute's start.
      const offset = stampedOffset(day, startMs);
      for (let k = samples.values.length - 1; k >= 0; k--) {
        const time = startMs + k * spacingMs;
        const endMs = time + intervalMs;
        const endOffset = intervalMs === 0 ? offset : stampedOffset(day, endMs);
        const point = new MinutePoint(
          source,
          dataType,
          samples.values[k],
          time,
          endMs,
          offset,
          endOffset,
        );
        entries.push(point);
        if (duplicateEvery > 0 && ++points % duplicateEvery === 0) {
          const copy = Object.assign(Object.create(MinutePoint.prototype) as MinutePoint, point);
          copy.sourceRank = 1;
          entries.push(copy);
        }
      }
    },
  );
  return entries;
}

type ActivityLevel = 'LIGHT' | 'MODERATE' | 'VIGOROUS';

/** Fitbit-like intensity from cadence alone (the simulator has no METs). */
function activityLevel(stepsPerMinute: number): ActivityLevel | null {
  if (stepsPerMinute >= 130) return 'VIGOROUS';
  if (stepsPerMinute >= 100) return 'MODERATE';
  if (stepsPerMinute >= 60) return 'LIGHT';
  return null;
}

/** One point per run of consecutive active minutes, with minutes per level in the run. */
function activeMinuteEntries(user: SimulatedUser, day: DayRecord): PointEntry[] {
  const entries: PointEntry[] = [];
  let runEnd = day.steps.length;
  for (let minute = day.steps.length - 1; minute >= -1; minute--) {
    const active = minute >= 0 && activityLevel(day.steps[minute]) !== null;
    if (active) continue;
    const runStart = minute + 1;
    if (runStart < runEnd) {
      const levels = new Map<ActivityLevel, number>();
      for (let m = runStart; m < runEnd; m++) {
        const level = activityLevel(day.steps[m]) as ActivityLevel;
        levels.set(level, (levels.get(level) ?? 0) + 1);
      }
      const startMs = day.startMs + runStart * MINUTE_MS;
      const endMs = day.startMs + runEnd * MINUTE_MS;
      const startOffset = offsetAt(day.offsets, startMs);
      const endOffset = offsetAt(day.offsets, endMs);
      const civilStart = civilDateTime(startMs, startOffset);
      entries.push({
        startMs,
        endMs,
        civilStart,
        civilEnd: civilDateTime(endMs, endOffset),
        date: civilStart.slice(0, 10),
        origin: 'tracker',
        recordedAtMs: endMs,
        sourceRank: 0,
        build: () => ({
          dataSource: dataSource(user, 'tracker', 'DERIVED'),
          activeMinutes: {
            interval: interval(startMs, startOffset, endMs, endOffset),
            activeMinutesByActivityLevel: [...levels.entries()].map(([level, minutes]) => ({
              activityLevel: level,
              activeMinutes: String(minutes),
            })),
          },
        }),
      });
    }
    runEnd = minute;
  }
  return entries;
}

function stagesSummary(session: SleepSession): JsonObject {
  const totals = new Map<SleepStageType, { minutes: number; count: number }>();
  for (const stage of session.stages) {
    const total = totals.get(stage.type) ?? { minutes: 0, count: 0 };
    total.minutes += Math.round((stage.endMs - stage.startMs) / MINUTE_MS);
    total.count += 1;
    totals.set(stage.type, total);
  }
  const inPeriod = Math.round((session.endMs - session.startMs) / MINUTE_MS);
  const awake = totals.get('AWAKE')?.minutes ?? 0;
  const first = session.stages[0];
  const last = session.stages[session.stages.length - 1];
  const minutesOf = (stage: { startMs: number; endMs: number }): number =>
    Math.round((stage.endMs - stage.startMs) / MINUTE_MS);
  return {
    minutesInSleepPeriod: String(inPeriod),
    minutesAsleep: String(inPeriod - awake),
    minutesAwake: String(awake),
    minutesToFallAsleep: String(first && first.type === 'AWAKE' ? minutesOf(first) : 0),
    minutesAfterWakeUp: String(
      last && last.type === 'AWAKE' && session.stages.length > 1 ? minutesOf(last) : 0,
    ),
    stagesSummary: [...totals.entries()].map(([type, total]) => ({
      type,
      minutes: String(total.minutes),
      count: String(total.count),
    })),
  };
}

function sleepEntries(user: SimulatedUser, day: DayRecord): PointEntry[] {
  const entries: PointEntry[] = [];
  const origins: PointOrigin[] = day.effects.healthKitSleepDuplicate
    ? ['tracker', 'healthkit']
    : ['tracker'];
  const sessions = [...day.sleeps].sort((a, b) => b.startMs - a.startMs);
  for (const session of sessions) {
    const startOffset = offsetAt(day.offsets, session.startMs);
    // The main sleep starts the evening before this day's span; its own offset then.
    const endOffset = offsetAt(day.offsets, session.endMs);
    const civilStart = civilDateTime(session.startMs, startOffset);
    const civilEnd = civilDateTime(session.endMs, endOffset);
    origins.forEach((origin, sourceRank) => {
      entries.push({
        startMs: session.startMs,
        endMs: session.endMs,
        civilStart,
        civilEnd,
        date: civilEnd.slice(0, 10),
        origin,
        recordedAtMs: session.endMs,
        sourceRank,
        build: () => {
          const stages = session.stages.map((stage) => ({
            type: stage.type,
            startTime: rfc3339(stage.startMs),
            startUtcOffset: durationString(offsetAt(day.offsets, stage.startMs)),
            endTime: rfc3339(stage.endMs),
            endUtcOffset: durationString(offsetAt(day.offsets, stage.endMs)),
          }));
          const processedAt = rfc3339(session.endMs + 10 * MINUTE_MS);
          return {
            name: pointName(
              user,
              'sleep',
              `${origin === 'healthkit' ? 'hk' : 'fb'}${session.startMs / 1000}`,
            ),
            dataSource: dataSource(user, origin, 'DERIVED'),
            sleep: {
              interval: interval(session.startMs, startOffset, session.endMs, endOffset),
              type: session.nap ? 'CLASSIC' : 'STAGES',
              stages,
              summary: stagesSummary(session),
              metadata: {
                nap: session.nap,
                mainSleep: !session.nap,
                processed: true,
                manuallyEdited: false,
                stagesStatus: session.nap ? 'REJECTED_NAP' : 'SUCCEEDED',
              },
              createTime: processedAt,
              updateTime: processedAt,
            },
          };
        },
      });
    });
  }
  return entries;
}

function dailyEntry(
  user: SimulatedUser,
  day: DayRecord,
  dataType: SimulatedDataTypeId,
): PointEntry[] {
  const daily = day.daily;
  if (!daily) return [];
  const date = parseDate(day.date) as unknown as JsonObject;
  let payload: JsonObject | null = null;
  switch (dataType) {
    case 'daily-resting-heart-rate':
      payload = {
        dailyRestingHeartRate: {
          date,
          beatsPerMinute: String(daily.restingHeartRate),
          dailyRestingHeartRateMetadata: {
            calculationMethod: daily.calculatedWithSleep ? 'WITH_SLEEP' : 'ONLY_WITH_AWAKE_DATA',
          },
        },
      };
      break;
    case 'daily-heart-rate-variability':
      if (daily.heartRateVariability) {
        payload = {
          dailyHeartRateVariability: {
            date,
            averageHeartRateVariabilityMilliseconds: daily.heartRateVariability.averageMs,
            deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds:
              daily.heartRateVariability.deepSleepRmssdMs,
            nonRemHeartRateBeatsPerMinute: String(daily.heartRateVariability.nonRemBpm),
          },
        };
      }
      break;
    case 'daily-oxygen-saturation':
      if (daily.oxygenSaturation) {
        payload = {
          dailyOxygenSaturation: {
            date,
            averagePercentage: daily.oxygenSaturation.average,
            lowerBoundPercentage: daily.oxygenSaturation.lower,
            upperBoundPercentage: daily.oxygenSaturation.upper,
            standardDeviationPercentage: daily.oxygenSaturation.standardDeviation,
          },
        };
      }
      break;
    case 'daily-respiratory-rate':
      if (daily.breathsPerMinute !== null) {
        payload = { dailyRespiratoryRate: { date, breathsPerMinute: daily.breathsPerMinute } };
      }
      break;
    case 'daily-sleep-temperature-derivations':
      if (daily.skinTemperature) {
        payload = {
          dailySleepTemperatureDerivations: {
            date,
            nightlyTemperatureCelsius: daily.skinTemperature.nightlyC,
            baselineTemperatureCelsius: daily.skinTemperature.baselineC,
            relativeNightlyStddev30dCelsius: daily.skinTemperature.relativeStddev30dC,
          },
        };
      }
      break;
  }
  if (!payload) return [];
  const body = payload;
  // Daily values are computed after waking (or at the end of a day without sleep).
  const main = day.sleeps.find((session) => !session.nap);
  const recordedAtMs = main ? main.endMs : day.endMs;
  const civil = `${day.date}T00:00:00`;
  return [
    {
      startMs: day.startMs,
      endMs: day.endMs,
      civilStart: civil,
      civilEnd: civil,
      date: day.date,
      origin: 'tracker',
      recordedAtMs,
      sourceRank: 0,
      build: () => ({
        dataSource: dataSource(user, 'tracker', 'DERIVED'),
        ...body,
      }),
    },
  ];
}

function weightEntries(user: SimulatedUser, day: DayRecord): PointEntry[] {
  return day.weighIns.map((weighIn) => {
    const offset = offsetAt(day.offsets, weighIn.instantMs);
    const civilStart = civilDateTime(weighIn.instantMs, offset);
    const origin: PointOrigin = weighIn.manual ? 'manual' : 'scale';
    return {
      startMs: weighIn.instantMs,
      endMs: weighIn.instantMs,
      civilStart,
      civilEnd: civilStart,
      date: civilStart.slice(0, 10),
      origin,
      recordedAtMs: weighIn.instantMs,
      sourceRank: 0,
      build: () => ({
        name: pointName(user, 'weight', `${weighIn.instantMs / 1000}`),
        dataSource: dataSource(user, origin, 'ACTIVELY_MEASURED'),
        weight: { sampleTime: sampleTime(weighIn.instantMs, offset), weightGrams: weighIn.grams },
      }),
    };
  });
}

/** All points of one data type recorded in one day, newest first (ties: Fitbit before mirror). */
export function dayEntries(
  user: SimulatedUser,
  day: DayRecord,
  dataType: SimulatedDataTypeId,
  heartRateCadenceSeconds = MINUTE_CADENCE_SECONDS,
): PointEntry[] {
  const entries = recordedEntries(user, day, dataType, heartRateCadenceSeconds);
  for (const entry of entries) entry.recordedAtMs = arrivalMs(day, entry.recordedAtMs);
  return entries;
}

/** When a point recorded at an instant reaches Google: a late day's points wait until `lateDays` after the day ended. */
export function arrivalMs(day: DayRecord, recordedAtMs: number): number {
  if (day.effects.lateDays <= 0) return recordedAtMs;
  return Math.max(recordedAtMs, day.endMs + day.effects.lateDays * DAY_MS);
}

function recordedEntries(
  user: SimulatedUser,
  day: DayRecord,
  dataType: SimulatedDataTypeId,
  heartRateCadenceSeconds: number,
): PointEntry[] {
  switch (dataType) {
    case 'heart-rate':
    case 'steps':
      return minuteEntries(user, day, dataType, heartRateCadenceSeconds);
    case 'active-minutes':
      return activeMinuteEntries(user, day);
    case 'sleep':
      return sleepEntries(user, day);
    case 'weight':
      return weightEntries(user, day).reverse();
    default:
      return dailyEntry(user, day, dataType);
  }
}
