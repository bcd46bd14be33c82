import { MetricName } from '../aggregates/daily-aggregate';
import { DataTypeId } from '../wearables/google-health/data-types';

/**
 * The Google Health data types each daily aggregate column is computed from
 * (see downsample.ts). Steps read heart rate too: a worn day without steps is
 * 0, not null. The resting estimate needs heart rate, steps and sleep.
 */
export const METRIC_DATA_TYPES: Readonly<Record<MetricName, readonly DataTypeId[]>> = {
  restingHrProvider: ['daily-resting-heart-rate'],
  restingHrEstimate: ['heart-rate', 'steps', 'sleep'],
  hrMean: ['heart-rate'],
  hrMin: ['heart-rate'],
  hrMax: ['heart-rate'],
  wearMinutes: ['heart-rate'],
  steps: ['steps', 'heart-rate'],
  activeMinutes: ['active-minutes', 'heart-rate'],
  sleepAsleepMinutes: ['sleep'],
  sleepInBedMinutes: ['sleep'],
  sleepEfficiency: ['sleep'],
  sleepDeepMinutes: ['sleep'],
  sleepLightMinutes: ['sleep'],
  sleepRemMinutes: ['sleep'],
  sleepAwakeMinutes: ['sleep'],
  sleepStart: ['sleep'],
  sleepEnd: ['sleep'],
  sleepTotalMinutes: ['sleep'],
  hrvRmssd: ['daily-heart-rate-variability'],
  spo2Average: ['daily-oxygen-saturation'],
  spo2Lower: ['daily-oxygen-saturation'],
  respiratoryRate: ['daily-respiratory-rate'],
  skinTempDeviation: ['daily-sleep-temperature-derivations'],
  weightKg: ['weight'],
};

/**
 * Metrics the starter rule library reads (rules/*.json). Until rules are
 * enabled per clinic in the database, ingestion reads what these need.
 */
export const STARTER_RULE_METRICS: readonly MetricName[] = [
  'restingHrProvider',
  'hrvRmssd',
  'sleepAsleepMinutes',
  'steps',
  'wearMinutes',
  'weightKg',
  'spo2Average',
];

/** Metrics the patient charts show staff. */
export const CHART_METRICS: readonly MetricName[] = [
  'restingHrProvider',
  'restingHrEstimate',
  'steps',
  'sleepAsleepMinutes',
  'weightKg',
];

/** The data types that the given metrics are computed from, without repeats. */
export function dataTypesFor(metrics: Iterable<MetricName>): DataTypeId[] {
  const types = new Set<DataTypeId>();
  for (const metric of metrics) for (const type of METRIC_DATA_TYPES[metric]) types.add(type);
  return [...types];
}
