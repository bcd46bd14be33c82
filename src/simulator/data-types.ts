/** The Google Health API data types the simulator serves, with their filter fields and scopes. */
import {
  DataTypeId,
  GOOGLE_HEALTH_DATA_TYPES,
  GOOGLE_HEALTH_SCOPE_PREFIX,
} from '../wearables/google-health/data-types';

const SCOPE_PREFIX = GOOGLE_HEALTH_SCOPE_PREFIX;

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

/** The simulator serves exactly the data types Vigil reads. */
export type SimulatedDataTypeId = DataTypeId;

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

/** Names, scopes, page sizes and family support come from the table Vigil's client reads. */
function fromShared(
  id: SimulatedDataTypeId,
  filterFields: Readonly<Record<string, FilterField>>,
  allowsOr = false,
): DataTypeDefinition {
  const shared = GOOGLE_HEALTH_DATA_TYPES[id];
  return {
    id,
    filterPrefix: shared.filterPrefix,
    payloadKey: shared.payloadKey,
    scope: GOOGLE_HEALTH_SCOPE_PREFIX + shared.scope,
    defaultPageSize: Math.min(1440, shared.maxPageSize),
    maxPageSize: shared.maxPageSize,
    filterFields,
    allowsOr,
    supportsDataSourceFamily: shared.dataSourceFamilyFilter,
  };
}

export const DATA_TYPES: Readonly<Record<SimulatedDataTypeId, DataTypeDefinition>> = {
  'heart-rate': fromShared('heart-rate', sampleFields),
  steps: fromShared('steps', intervalFields),
  'active-minutes': fromShared('active-minutes', intervalFields),
  'daily-resting-heart-rate': fromShared('daily-resting-heart-rate', dateFields),
  'daily-heart-rate-variability': fromShared('daily-heart-rate-variability', dateFields),
  'daily-oxygen-saturation': fromShared('daily-oxygen-saturation', dateFields),
  'daily-respiratory-rate': fromShared('daily-respiratory-rate', dateFields),
  'daily-sleep-temperature-derivations': fromShared(
    'daily-sleep-temperature-derivations',
    dateFields,
  ),
  sleep: fromShared('sleep', sleepFields, true),
  weight: fromShared('weight', sampleFields),
};

export function findDataType(id: string): DataTypeDefinition | undefined {
  return Object.prototype.hasOwnProperty.call(DATA_TYPES, id)
    ? DATA_TYPES[id as SimulatedDataTypeId]
    : undefined;
}
