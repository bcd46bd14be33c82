/** The Google Health API data types the simulator serves, with their filter fields and scopes. */

const SCOPE_PREFIX = 'https://www.googleapis.com/auth/googlehealth.';

export const SCOPES = {
  activity: `${SCOPE_PREFIX}activity_and_fitness.readonly`,
  healthMetrics: `${SCOPE_PREFIX}health_metrics_and_measurements.readonly`,
  sleep: `${SCOPE_PREFIX}sleep.readonly`,
  settings: `${SCOPE_PREFIX}settings.readonly`,
  profile: `${SCOPE_PREFIX}profile.readonly`,
} as const;

export const ALL_SCOPES: readonly string[] = Object.values(SCOPES);

/** How a filter field is compared: RFC 3339 instant, civil "YYYY-MM-DD[THH:mm:ss]", or a date. */
export type FilterFieldKind = 'physical' | 'civil' | 'date';

/** Which key of a generated point a filter field reads. */
export type PointKey = 'startMs' | 'endMs' | 'civilStart' | 'civilEnd' | 'date';

export interface FilterField {
  kind: FilterFieldKind;
  pointKey: PointKey;
}

export type SimulatedDataTypeId =
  | 'heart-rate'
  | 'steps'
  | 'active-minutes'
  | 'daily-resting-heart-rate'
  | 'daily-heart-rate-variability'
  | 'daily-oxygen-saturation'
  | 'daily-respiratory-rate'
  | 'daily-sleep-temperature-derivations'
  | 'sleep'
  | 'weight';

export interface DataTypeDefinition {
  id: SimulatedDataTypeId;
  /** snake_case prefix used in filters, e.g. `heart_rate`. */
  filterPrefix: string;
  /** camelCase key of the payload inside a DataPoint, e.g. `heartRate`. */
  payloadKey: string;
  scope: string;
  defaultPageSize: number;
  maxPageSize: number;
  /** Field path after the prefix (e.g. `sample_time.physical_time`) -> how it compares. */
  filterFields: Readonly<Record<string, FilterField>>;
  /** Logical operators the API accepts in this type's filter. */
  allowsOr: boolean;
  /** Google rejects `dataSourceFamily` on sleep list calls (use :reconcile). */
  supportsDataSourceFamily: boolean;
}

const sampleFields: Record<string, FilterField> = {
  'sample_time.physical_time': { kind: 'physical', pointKey: 'startMs' },
  'sample_time.civil_time': { kind: 'civil', pointKey: 'civilStart' },
};
const intervalFields: Record<string, FilterField> = {
  'interval.start_time': { kind: 'physical', pointKey: 'startMs' },
  'interval.civil_start_time': { kind: 'civil', pointKey: 'civilStart' },
};
const dateFields: Record<string, FilterField> = { date: { kind: 'date', pointKey: 'date' } };
const sleepFields: Record<string, FilterField> = {
  'interval.end_time': { kind: 'physical', pointKey: 'endMs' },
  'interval.civil_end_time': { kind: 'civil', pointKey: 'civilEnd' },
};

function daily(
  id: SimulatedDataTypeId,
  filterPrefix: string,
  payloadKey: string,
  scope: string,
): DataTypeDefinition {
  return {
    id,
    filterPrefix,
    payloadKey,
    scope,
    defaultPageSize: 1440,
    maxPageSize: 10000,
    filterFields: dateFields,
    allowsOr: false,
    supportsDataSourceFamily: true,
  };
}

export const DATA_TYPES: Readonly<Record<SimulatedDataTypeId, DataTypeDefinition>> = {
  'heart-rate': {
    id: 'heart-rate',
    filterPrefix: 'heart_rate',
    payloadKey: 'heartRate',
    scope: SCOPES.healthMetrics,
    defaultPageSize: 1440,
    maxPageSize: 10000,
    filterFields: sampleFields,
    allowsOr: false,
    supportsDataSourceFamily: true,
  },
  steps: {
    id: 'steps',
    filterPrefix: 'steps',
    payloadKey: 'steps',
    scope: SCOPES.activity,
    defaultPageSize: 1440,
    maxPageSize: 10000,
    filterFields: intervalFields,
    allowsOr: false,
    supportsDataSourceFamily: true,
  },
  'active-minutes': {
    id: 'active-minutes',
    filterPrefix: 'active_minutes',
    payloadKey: 'activeMinutes',
    scope: SCOPES.activity,
    defaultPageSize: 1440,
    maxPageSize: 10000,
    filterFields: intervalFields,
    allowsOr: false,
    supportsDataSourceFamily: true,
  },
  'daily-resting-heart-rate': daily(
    'daily-resting-heart-rate',
    'daily_resting_heart_rate',
    'dailyRestingHeartRate',
    SCOPES.healthMetrics,
  ),
  'daily-heart-rate-variability': daily(
    'daily-heart-rate-variability',
    'daily_heart_rate_variability',
    'dailyHeartRateVariability',
    SCOPES.healthMetrics,
  ),
  'daily-oxygen-saturation': daily(
    'daily-oxygen-saturation',
    'daily_oxygen_saturation',
    'dailyOxygenSaturation',
    SCOPES.healthMetrics,
  ),
  'daily-respiratory-rate': daily(
    'daily-respiratory-rate',
    'daily_respiratory_rate',
    'dailyRespiratoryRate',
    SCOPES.healthMetrics,
  ),
  'daily-sleep-temperature-derivations': daily(
    'daily-sleep-temperature-derivations',
    'daily_sleep_temperature_derivations',
    'dailySleepTemperatureDerivations',
    SCOPES.healthMetrics,
  ),
  sleep: {
    id: 'sleep',
    filterPrefix: 'sleep',
    payloadKey: 'sleep',
    scope: SCOPES.sleep,
    defaultPageSize: 25,
    maxPageSize: 25,
    filterFields: sleepFields,
    allowsOr: true,
    supportsDataSourceFamily: false,
  },
  weight: {
    id: 'weight',
    filterPrefix: 'weight',
    payloadKey: 'weight',
    scope: SCOPES.healthMetrics,
    defaultPageSize: 1440,
    maxPageSize: 10000,
    filterFields: sampleFields,
    allowsOr: false,
    supportsDataSourceFamily: true,
  },
};

export function findDataType(id: string): DataTypeDefinition | undefined {
  return Object.prototype.hasOwnProperty.call(DATA_TYPES, id)
    ? DATA_TYPES[id as SimulatedDataTypeId]
    : undefined;
}
