import { dateOfDayNumber, dayNumberOfDate, localDayNumber, MINUTE_MS } from '../time';
import { DATA_TYPE_IDS, DataTypeId } from '../wearables/google-health/data-types';
import {
  DailyReading,
  SleepSession,
  WearablePoints,
  WeightMeasurement,
} from '../wearables/google-health/points';
import { preferFitbitRecorded } from '../wearables/google-health/source-preference';
import { DailyAggregate } from './daily-aggregate';
import { mainSleepOf, nightOf, sleepMetrics } from './main-sleep';
import {
  estimateRestingHeartRate,
  HeartRateMinute,
  isStill,
  MovingMinutes,
  StillHour,
} from './resting-heart-rate';
import { roundTo } from './rounding';
import { dailySteps } from './steps-plausibility';

const MINUTES_PER_HOUR = 60;

export interface DownsampleOptions {
  /**
   * Local dates (`YYYY-MM-DD`) being rewritten. When given, exactly these days
   * are returned, empty ones included, so late data replaces a whole stored day
   * and a day whose points vanished is cleared; points on other dates only
   * serve as context (the evening before a night's sleep).
   */
  dates?: Iterable<string>;
  /**
   * Whether steps were recorded on days this read holds only the evening of
   * (the evening before its first whole day), as their whole day showed when
   * it was read: a night's minutes before midnight can be still only on a day
   * with steps, and an evening alone cannot tell. Without it, the evening's
   * own points decide, so a day's resting estimate would depend on how far
   * back the read reached.
   */
  stepsKnownOn?: ReadonlyMap<string, boolean>;
}

/** Everything one local day collects before it becomes a row. */
interface Day {
  dataTypes: Set<DataTypeId>;
  heartRateSamples: number;
  wearMinutes: number;
  minuteMeanSum: number;
  minuteMeanMin: number;
  minuteMeanMax: number;
  stillHours: Map<number, StillHour>;
  steps: number;
  stepIntervals: number;
  stepMinutes: number;
  activeMinutes: number;
  activeIntervals: number;
  sleep: SleepSession[];
  weight: WeightMeasurement | null;
  restingHrProvider: number | null;
  hrvRmssd: number | null;
  spo2Average: number | null;
  spo2Lower: number | null;
  respiratoryRate: number | null;
  skinTempDeviation: number | null;
}

function emptyDay(): Day {
  return {
    dataTypes: new Set(),
    heartRateSamples: 0,
    wearMinutes: 0,
    minuteMeanSum: 0,
    minuteMeanMin: Infinity,
    minuteMeanMax: -Infinity,
    stillHours: new Map(),
    steps: 0,
    stepIntervals: 0,
    stepMinutes: 0,
    activeMinutes: 0,
    activeIntervals: 0,
    sleep: [],
    weight: null,
    restingHrProvider: null,
    hrvRmssd: null,
    spo2Average: null,
    spo2Lower: null,
    respiratoryRate: null,
    skinTempDeviation: null,
  };
}

/** Local days by day number; when a rewrite set is given, other days are never created. */
class Days {
  readonly byNumber = new Map<number, Day>();
  private readonly only: ReadonlySet<number> | null;

  constructor(dates: Iterable<string> | undefined) {
    if (dates === undefined) {
      this.only = null;
      return;
    }
    const only = new Set<number>();
    for (const date of dates) {
      const n = dayNumberOfDate(date);
      if (n === undefined)
        throw new RangeError('downsample: dates must be YYYY-MM-DD calendar dates');
      only.add(n);
      this.byNumber.set(n, emptyDay());
    }
    this.only = only;
  }

  /** The day, or undefined when it is outside the rewrite set. */
  get(dayNumber: number, dataType: DataTypeId): Day | undefined {
    let day = this.byNumber.get(dayNumber);
    if (day === undefined) {
      if (this.only !== null) return undefined;
      day = emptyDay();
      this.byNumber.set(dayNumber, day);
    }
    day.dataTypes.add(dataType);
    return day;
  }
}

/**
 * Provider daily readings carry their own local date. If a date has more than
 * one reading after mirrored copies are dropped, the first listed wins (lists
 * come newest first).
 */
function eachDailyReading<T extends DailyReading>(
  days: Days,
  dataType: DataTypeId,
  readings: readonly T[] | undefined,
  apply: (day: Day, reading: T) => void,
): void {
  const seen = new Set<string>();
  for (const reading of readings ?? []) {
    if (seen.has(reading.date)) continue;
    seen.add(reading.date);
    const n = dayNumberOfDate(reading.date);
    const day = n === undefined ? undefined : days.get(n, dataType);
    if (day) apply(day, reading);
  }
}

/**
 * Reduces one patient's points, possibly spanning many days, to one aggregate
 * per local civil date, oldest first. Mirrored copies of Fitbit data are
 * dropped first (see `preferFitbitRecorded`), so nothing counts twice. Every
 * point is filed under the local date given by its own UTC offset.
 */
export function downsample(
  input: WearablePoints,
  options: DownsampleOptions = {},
): DailyAggregate[] {
  const points = preferFitbitRecorded(input);
  const days = new Days(options.dates);

  // Minutes with steps, kept for all dates: a night's resting rate looks back
  // into the evening before, which may lie outside the rewrite set.
  const moving: number[] = [];
  const stepsByHour = new Map<number, number>();
  // Local days with at least one step point: only their minutes can be still.
  const stepsKnownDays = new Set<number>();
  for (const s of points.steps ?? []) {
    const first = Math.floor(s.startTime / MINUTE_MS);
    const dayNumber = localDayNumber(s.startTime, s.startUtcOffsetSeconds);
    stepsKnownDays.add(dayNumber);
    if (s.count > 0) {
      const last = Math.max(first, Math.ceil(s.endTime / MINUTE_MS) - 1);
      for (let minute = first; minute <= last; minute++) moving.push(minute);
      const hour = Math.floor(first / MINUTES_PER_HOUR);
      stepsByHour.set(hour, (stepsByHour.get(hour) ?? 0) + s.count);
    }
    // Steps belong to the day the interval starts on; Fitbit intervals are one minute long.
    const day = days.get(dayNumber, 'steps');
    if (day) {
      day.steps += s.count;
      day.stepIntervals++;
      day.stepMinutes += Math.max(1, Math.round((s.endTime - s.startTime) / MINUTE_MS));
    }
  }

  for (const [date, known] of options.stepsKnownOn ?? []) {
    const dayNumber = dayNumberOfDate(date);
    if (dayNumber === undefined) continue;
    if (known) stepsKnownDays.add(dayNumber);
    else stepsKnownDays.delete(dayNumber);
  }

  const movingMinutes = new MovingMinutes(moving);

  // Heart rate is reduced to physical minutes first: the minute, not the sample,
  // is the unit of wear and of the day's mean, because the sampling rate rises
  // during exercise and would otherwise weight the mean towards it. Physical
  // minutes also make a 25-hour DST day hold 1500 of them.
  const heartRate = new Map<number, HeartRateMinute>();
  for (const sample of points['heart-rate'] ?? []) {
    const minute = Math.floor(sample.time / MINUTE_MS);
    const known = heartRate.get(minute);
    if (known) {
      known.sum += sample.beatsPerMinute;
      known.count++;
    } else {
      const day = localDayNumber(sample.time, sample.utcOffsetSeconds);
      heartRate.set(minute, { sum: sample.beatsPerMinute, count: 1, day });
    }
  }
  for (const [minute, hr] of heartRate) {
    const day = days.get(hr.day, 'heart-rate');
    if (!day) continue;
    const mean = hr.sum / hr.count;
    day.heartRateSamples += hr.count;
    day.wearMinutes++;
    day.minuteMeanSum += mean;
    day.minuteMeanMin = Math.min(day.minuteMeanMin, mean);
    day.minuteMeanMax = Math.max(day.minuteMeanMax, mean);
    if (stepsKnownDays.has(hr.day) && isStill(minute, movingMinutes)) {
      const hourNumber = Math.floor(minute / MINUTES_PER_HOUR);
      let hour = day.stillHours.get(hourNumber);
      if (!hour) {
        hour = { steps: stepsByHour.get(hourNumber) ?? 0, minutes: 0, heartRateSum: 0 };
        day.stillHours.set(hourNumber, hour);
      }
      hour.minutes++;
      hour.heartRateSum += mean;
    }
  }

  // Fitbit's "active minutes" are its fairly and very active minutes; light
  // activity is left out, as in the app and in the 150 minutes/week guideline.
  for (const a of points['active-minutes'] ?? []) {
    const day = days.get(localDayNumber(a.startTime, a.startUtcOffsetSeconds), 'active-minutes');
    if (day) {
      day.activeMinutes += a.moderateMinutes + a.vigorousMinutes;
      day.activeIntervals++;
    }
  }

  for (const s of points.sleep ?? []) days.get(nightOf(s), 'sleep')?.sleep.push(s);

  // The last weigh-in of the day: patients weigh after breakfast or twice by mistake.
  for (const w of points.weight ?? []) {
    const day = days.get(localDayNumber(w.time, w.utcOffsetSeconds), 'weight');
    if (day && (day.weight === null || w.time >= day.weight.time)) day.weight = w;
  }

  eachDailyReading(
    days,
    'daily-resting-heart-rate',
    points['daily-resting-heart-rate'],
    (day, r) => {
      day.restingHrProvider = r.beatsPerMinute;
    },
  );
  // RMSSD averaged over the main sleep, the figure the Fitbit app shows. The
  // deep-sleep RMSSD is not used, not even as a fallback: it runs higher, and
  // mixing the two in one series would look like a change in the patient.
  eachDailyReading(
    days,
    'daily-heart-rate-variability',
    points['daily-heart-rate-variability'],
    (day, r) => {
      day.hrvRmssd = r.averageMilliseconds;
    },
  );
  // SpO2 during sleep as the provider summarises it: the mean of the samples
  // and the lower bound of their confidence interval (not the lowest sample,
  // which the API does not send), copied as they are.
  eachDailyReading(days, 'daily-oxygen-saturation', points['daily-oxygen-saturation'], (day, r) => {
    day.spo2Average = r.averagePercentage;
    day.spo2Lower = r.lowerBoundPercentage;
  });
  // Average breaths per minute over the main sleep, as the provider computes it.
  eachDailyReading(days, 'daily-respiratory-rate', points['daily-respiratory-rate'], (day, r) => {
    day.respiratoryRate = r.breathsPerMinute;
  });
  // Skin temperature only means something relative to the patient's own baseline.
  eachDailyReading(
    days,
    'daily-sleep-temperature-derivations',
    points['daily-sleep-temperature-derivations'],
    (day, r) => {
      day.skinTempDeviation =
        r.baselineCelsius === null ? null : roundTo(r.nightlyCelsius - r.baselineCelsius, 2);
    },
  );

  const aggregates: DailyAggregate[] = [];
  for (const [dayNumber, day] of [...days.byNumber].sort((a, b) => a[0] - b[0])) {
    aggregates.push(
      toAggregate(dateOfDayNumber(dayNumber), day, points, {
        heartRate,
        movingMinutes,
        stepsKnownDays,
      }),
    );
  }
  return aggregates;
}

/** Minute-level context shared by every day's resting estimate. */
interface MinuteContext {
  heartRate: ReadonlyMap<number, HeartRateMinute>;
  movingMinutes: MovingMinutes;
  stepsKnownDays: ReadonlySet<number>;
}

function toAggregate(
  date: string,
  day: Day,
  points: WearablePoints,
  minutes: MinuteContext,
): DailyAggregate {
  const worn = day.wearMinutes > 0;
  const mainSleep = mainSleepOf(day.sleep);
  // No step points is unknown, never zero (steps-plausibility.ts).
  const steps = dailySteps({
    stepsRead: points.steps !== undefined,
    wearMinutes: day.wearMinutes,
    stepPoints: day.stepIntervals,
    steps: day.steps,
  });
  // Active minutes are computed from the same motion: a day whose steps are
  // unknown has unknown activity, unless activity points arrived.
  const activeMinutes =
    points['active-minutes'] !== undefined && (steps.steps !== null || day.activeIntervals > 0)
      ? day.activeMinutes
      : null;
  const restingHrEstimate = worn
    ? estimateRestingHeartRate(
        mainSleep,
        day.stillHours.values(),
        minutes.heartRate,
        minutes.movingMinutes,
        minutes.stepsKnownDays,
      )
    : null;
  return {
    date,
    restingHrProvider: day.restingHrProvider,
    restingHrEstimate: restingHrEstimate === null ? null : roundTo(restingHrEstimate, 1),
    hrMean: worn ? roundTo(day.minuteMeanSum / day.wearMinutes, 1) : null,
    hrMin: worn ? roundTo(day.minuteMeanMin, 1) : null,
    hrMax: worn ? roundTo(day.minuteMeanMax, 1) : null,
    wearMinutes: worn ? day.wearMinutes : null,
    steps: steps.steps,
    activeMinutes,
    ...sleepMetrics(day.sleep, mainSleep),
    hrvRmssd: day.hrvRmssd,
    spo2Average: day.spo2Average,
    spo2Lower: day.spo2Lower,
    respiratoryRate: day.respiratoryRate,
    skinTempDeviation: day.skinTempDeviation,
    weightKg: day.weight === null ? null : day.weight.grams / 1000,
    coverage: {
      heartRateSamples: day.heartRateSamples,
      stepMinutes: day.stepMinutes,
      dataTypes: DATA_TYPE_IDS.filter((t) => day.dataTypes.has(t)),
      ...(steps.unknownBecause === null ? {} : { stepsUnknown: steps.unknownBecause }),
    },
  };
}
