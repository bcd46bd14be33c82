/**
 * The Google Health API data types Vigil reads, as spelled in the Discovery
 * document `health:v4` (revision 20261002). The sync planner, the mapper and the
 * simulator all read this one table so they cannot drift apart.
 */

/** How a data type is shaped in time, which decides its filter field and its local date. */
export type DataPointKind = 'sample' | 'interval' | 'daily' | 'session';

export interface DataTypeSpec {
  /** snake_case prefix of AIP-160 filter fields, e.g. `heart_rate`. */
  readonly filterPrefix: string;
  /** Field of `DataPoint` carrying the payload, e.g. `heartRate`. */
  readonly payloadKey: string;
  /** Read scope, after {@link GOOGLE_HEALTH_SCOPE_PREFIX}. */
  readonly scope: string;
  readonly kind: DataPointKind;
  /** Field the planner filters the time range on (list `filter` documentation). */
  readonly timeFilterField: string;
  /** Largest `pageSize` the list method honours. */
  readonly maxPageSize: number;
  /**
   * Whether list accepts `dataSourceFamily`: sleep answers INVALID_ARGUMENT, so
   * its mirrored copies are dropped by `preferFitbitRecorded` instead.
   */
  readonly dataSourceFamilyFilter: boolean;
}

export const GOOGLE_HEALTH_SCOPE_PREFIX = 'https://www.googleapis.com/auth/googlehealth.';

const ACTIVITY = 'activity_and_fitness.readonly';
const MEASUREMENTS = 'health_metrics_and_measurements.readonly';
const SLEEP = 'sleep.readonly';

export const GOOGLE_HEALTH_DATA_TYPES = {
  'heart-rate': {
    filterPrefix: 'heart_rate',
    payloadKey: 'heartRate',
    scope: MEASUREMENTS,
    kind: 'sample',
    timeFilterField: 'heart_rate.sample_time.physical_time',
    maxPageSize: 10_000,
    dataSourceFamilyFilter: true,
  },
  steps: {
    filterPrefix: 'steps',
    payloadKey: 'steps',
    scope: ACTIVITY,
    kind: 'interval',
    timeFilterField: 'steps.interval.start_time',
    maxPageSize: 10_000,
    dataSourceFamilyFilter: true,
  },
  'active-minutes': {
    filterPrefix: 'active_minutes',
    payloadKey: 'activeMinutes',
    scope: ACTIVITY,
    kind: 'interval',
    timeFilterField: 'active_minutes.interval.start_time',
    maxPageSize: 10_000,
    dataSourceFamilyFilter: true,
  },
  'daily-resting-heart-rate': {
    filterPrefix: 'daily_resting_heart_rate',
    payloadKey: 'dailyRestingHeartRate',
    scope: MEASUREMENTS,
    kind: 'daily',
    timeFilterField: 'daily_resting_heart_rate.date',
    maxPageSize: 10_000,
    dataSourceFamilyFilter: true,
  },
  'daily-heart-rate-variability': {
    filterPrefix: 'daily_heart_rate_variability',
    payloadKey: 'dailyHeartRateVariability',
    scope: MEASUREMENTS,
    kind: 'daily',
    timeFilterField: 'daily_heart_rate_variability.date',
    maxPageSize: 10_000,
    dataSourceFamilyFilter: true,
  },
  'daily-oxygen-saturation': {
    filterPrefix: 'daily_oxygen_saturation',
    payloadKey: 'dailyOxygenSaturation',
    scope: MEASUREMENTS,
    kind: 'daily',
    timeFilterField: 'daily_oxygen_saturation.date',
    maxPageSize: 10_000,
    dataSourceFamilyFilter: true,
  },
  'daily-respiratory-rate': {
    filterPrefix: 'daily_respiratory_rate',
    payloadKey: 'dailyRespiratoryRate',
    scope: MEASUREMENTS,
    kind: 'daily',
    timeFilterField: 'daily_respiratory_rate.date',
    maxPageSize: 10_000,
    dataSourceFamilyFilter: true,
  },
  'daily-sleep-temperature-derivations': {
    filterPrefix: 'daily_sleep_temperature_derivations',
    payloadKey: 'dailySleepTemperatureDerivations',
    scope: MEASUREMENTS,
    kind: 'daily',
    timeFilterField: 'daily_sleep_temperature_derivations.date',
    maxPageSize: 10_000,
    dataSourceFamilyFilter: true,
  },
  sleep: {
    filterPrefix: 'sleep',
    payloadKey: 'sleep',
    scope: SLEEP,
    kind: 'session',
    // Sleep is found by when it ends, because it belongs to the day it ends on.
    timeFilterField: 'sleep.interval.end_time',
    maxPageSize: 25,
    dataSourceFamilyFilter: false,
  },
  weight: {
    filterPrefix: 'weight',
    payloadKey: 'weight',
    scope: MEASUREMENTS,
    kind: 'sample',
    timeFilterField: 'weight.sample_time.physical_time',
    maxPageSize: 10_000,
    dataSourceFamilyFilter: true,
  },
} as const satisfies Record<string, DataTypeSpec>;

export type DataTypeId = keyof typeof GOOGLE_HEALTH_DATA_TYPES;

/** The data type ids in table order, for stable iteration. */
export const DATA_TYPE_IDS = Object.keys(GOOGLE_HEALTH_DATA_TYPES) as DataTypeId[];
