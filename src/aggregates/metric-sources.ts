import type { DataTypeId } from '../wearables/google-health/data-types';
import type { MetricName } from './daily-aggregate';

/**
 * What a metric is computed from (see downsample.ts). `from`: the data types
 * it cannot be computed without, its own type first; `alsoReads`: types that
 * refine it but whose absence does not empty it.
 */
export interface MetricSource {
  from: readonly [DataTypeId, ...DataTypeId[]];
  alsoReads?: readonly DataTypeId[];
}

/**
 * The one declaration per metric: ingestion derives what to fetch from it
 * (ingest/data-needs.ts) and rules derive which streams a metric needs
 * (rules/facts/streams.ts). Steps read heart rate too: a worn day without
 * steps is 0, not null. Vigil's resting estimate needs heart rate and known
 * steps (to tell still minutes), and uses the main sleep when there is one.
 */
export const METRIC_SOURCES: Readonly<Record<MetricName, MetricSource>> = {
  restingHrProvider: { from: ['daily-resting-heart-rate'] },
  restingHrEstimate: { from: ['heart-rate', 'steps'], alsoReads: ['sleep'] },
  hrMean: { from: ['heart-rate'] },
  hrMin: { from: ['heart-rate'] },
  hrMax: { from: ['heart-rate'] },
  wearMinutes: { from: ['heart-rate'] },
  steps: { from: ['steps'], alsoReads: ['heart-rate'] },
  activeMinutes: { from: ['active-minutes'], alsoReads: ['heart-rate'] },
  sleepAsleepMinutes: { from: ['sleep'] },
  sleepInBedMinutes: { from: ['sleep'] },
  sleepEfficiency: { from: ['sleep'] },
  sleepDeepMinutes: { from: ['sleep'] },
  sleepLightMinutes: { from: ['sleep'] },
  sleepRemMinutes: { from: ['sleep'] },
  sleepAwakeMinutes: { from: ['sleep'] },
  sleepStart: { from: ['sleep'] },
  sleepEnd: { from: ['sleep'] },
  sleepTotalMinutes: { from: ['sleep'] },
  hrvRmssd: { from: ['daily-heart-rate-variability'] },
  spo2Average: { from: ['daily-oxygen-saturation'] },
  spo2Lower: { from: ['daily-oxygen-saturation'] },
  respiratoryRate: { from: ['daily-respiratory-rate'] },
  skinTempDeviation: { from: ['daily-sleep-temperature-derivations'] },
  weightKg: { from: ['weight'] },
};
