import type { StepsUnknownReason } from './steps-plausibility';

/**
 * One patient's day, reduced from raw wearable points. This is the only shape of
 * health data Vigil keeps: rules, charts and the backtest all read it.
 * Every metric is nullable: null means "no data that day", never zero.
 */
export interface DailyMetrics {
  /** Resting heart rate reported by Fitbit (daily-resting-heart-rate), bpm. */
  restingHrProvider: number | null;
  /** Vigil's own resting heart rate estimate from intraday heart rate, bpm. */
  restingHrEstimate: number | null;
  hrMean: number | null;
  hrMin: number | null;
  hrMax: number | null;
  /** Minutes of the local day with at least one heart-rate sample. */
  wearMinutes: number | null;
  steps: number | null;
  /** Fitbit moderate + vigorous active minutes (the `active-minutes` data type). */
  activeMinutes: number | null;
  sleepAsleepMinutes: number | null;
  sleepInBedMinutes: number | null;
  /** Main sleep minutes asleep / minutes in the sleep period, 0-100. */
  sleepEfficiency: number | null;
  sleepDeepMinutes: number | null;
  sleepLightMinutes: number | null;
  sleepRemMinutes: number | null;
  sleepAwakeMinutes: number | null;
  /** Main sleep start and end as RFC 3339 instants. */
  sleepStart: string | null;
  sleepEnd: string | null;
  /** All sleep ending on this local date, naps included. */
  sleepTotalMinutes: number | null;
  /** Nightly heart rate variability (RMSSD), milliseconds. */
  hrvRmssd: number | null;
  /** Nightly SpO2: mean of the samples during sleep (`averagePercentage`), %. */
  spo2Average: number | null;
  /**
   * Nightly SpO2: lower bound of the confidence interval of the samples during
   * sleep (`lowerBoundPercentage`), %. Not the lowest sample: the API sends none.
   */
  spo2Lower: number | null;
  /** Average breaths per minute during the main sleep (`daily-respiratory-rate`). */
  respiratoryRate: number | null;
  /** Nightly skin temperature minus the personal baseline, degrees Celsius. */
  skinTempDeviation: number | null;
  /** Last weight of the local day, kilograms. */
  weightKg: number | null;
}

export interface DailyCoverage {
  /** Heart-rate samples seen that day. */
  heartRateSamples: number;
  /** Minutes with step intervals recorded. */
  stepMinutes: number;
  /** Data types that contributed at least one point. */
  dataTypes: string[];
  /** Why `steps` is null (steps-plausibility.ts); absent when steps are known. */
  stepsUnknown?: StepsUnknownReason;
}

export interface DailyAggregate extends DailyMetrics {
  /** Local civil date of the patient, YYYY-MM-DD. */
  date: string;
  coverage: DailyCoverage;
}

export type MetricName = keyof DailyMetrics;

/** Every metric at null: the starting point of a day nothing was recorded on. */
export const NO_DATA: Readonly<DailyMetrics> = Object.freeze({
  restingHrProvider: null,
  restingHrEstimate: null,
  hrMean: null,
  hrMin: null,
  hrMax: null,
  wearMinutes: null,
  steps: null,
  activeMinutes: null,
  sleepAsleepMinutes: null,
  sleepInBedMinutes: null,
  sleepEfficiency: null,
  sleepDeepMinutes: null,
  sleepLightMinutes: null,
  sleepRemMinutes: null,
  sleepAwakeMinutes: null,
  sleepStart: null,
  sleepEnd: null,
  sleepTotalMinutes: null,
  hrvRmssd: null,
  spo2Average: null,
  spo2Lower: null,
  respiratoryRate: null,
  skinTempDeviation: null,
  weightKg: null,
});

export const METRIC_NAMES = Object.keys(NO_DATA) as readonly MetricName[];

export const dayWithoutData = (date: string): DailyAggregate => ({
  ...NO_DATA,
  date,
  coverage: { heartRateSamples: 0, stepMinutes: 0, dataTypes: [] },
});

/** Metrics rules may use, with the unit and the words a clinician reads. */
export const NUMERIC_METRICS = {
  restingHrProvider: { unit: 'bpm', label: 'resting heart rate' },
  restingHrEstimate: { unit: 'bpm', label: 'resting heart rate (Vigil estimate)' },
  hrMean: { unit: 'bpm', label: 'mean heart rate' },
  hrMin: { unit: 'bpm', label: 'lowest heart rate' },
  hrMax: { unit: 'bpm', label: 'highest heart rate' },
  wearMinutes: { unit: 'min', label: 'minutes worn' },
  steps: { unit: 'steps', label: 'steps' },
  activeMinutes: { unit: 'min', label: 'active minutes' },
  sleepAsleepMinutes: { unit: 'min', label: 'main sleep, minutes asleep' },
  sleepInBedMinutes: { unit: 'min', label: 'main sleep, minutes in bed' },
  sleepEfficiency: { unit: '%', label: 'sleep efficiency' },
  sleepDeepMinutes: { unit: 'min', label: 'deep sleep' },
  sleepLightMinutes: { unit: 'min', label: 'light sleep' },
  sleepRemMinutes: { unit: 'min', label: 'REM sleep' },
  sleepAwakeMinutes: { unit: 'min', label: 'awake during sleep' },
  sleepTotalMinutes: { unit: 'min', label: 'total sleep including naps' },
  hrvRmssd: { unit: 'ms', label: 'heart rate variability (RMSSD)' },
  spo2Average: { unit: '%', label: 'average oxygen saturation' },
  spo2Lower: { unit: '%', label: 'oxygen saturation, lower confidence bound' },
  respiratoryRate: { unit: 'breaths/min', label: 'respiratory rate' },
  skinTempDeviation: { unit: '°C', label: 'skin temperature change' },
  weightKg: { unit: 'kg', label: 'weight' },
} as const satisfies Partial<Record<MetricName, { unit: string; label: string }>>;

export type NumericMetric = keyof typeof NUMERIC_METRICS;

/** A stored day cut down to some of its numeric metrics (missing is no data), as rules read it. */
export type MetricDay = Pick<DailyAggregate, 'date'> &
  Partial<Record<NumericMetric, number | null>>;

/**
 * Metrics every patient page charts, whether or not a rule reads them: the
 * core signs staff look at. Ingestion reads what these are computed from.
 */
export const CHART_METRICS: readonly NumericMetric[] = [
  'restingHrProvider',
  'hrvRmssd',
  'spo2Average',
  'sleepAsleepMinutes',
  'steps',
  'weightKg',
];
