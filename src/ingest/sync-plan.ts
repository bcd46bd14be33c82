import { addDays, DAY_MS, dayNumberOfDate, localDateAt } from '../time';
import {
  DATA_TYPE_IDS,
  DataTypeId,
  GOOGLE_HEALTH_DATA_TYPES,
  GOOGLE_HEALTH_SCOPE_PREFIX,
} from '../wearables/google-health/data-types';
import type { DataPointsQuery } from '../wearables/google-health/health-api-reader';

/** Local offsets span UTC-12 to UTC+14: a UTC window this much wider holds every local day. */
const OFFSET_SLACK_MS = 14 * 3_600_000;
/** The evening before the first day: its steps decide the first night's still minutes. */
const EVENING_BEFORE_MS = 12 * 3_600_000;
/** Dense intraday types are read this many days at a time, so memory does not grow with a backfill. */
export const CHUNK_DAYS = 14;
/** Only Fitbit devices: mirrored copies never arrive (sleep cannot be filtered; it is de-duplicated). */
export const WEARABLES_FAMILY = 'users/me/dataSourceFamilies/google-wearables';

/** Types with thousands of points a day; everything else is a handful a day. */
const DENSE: ReadonlySet<DataTypeId> = new Set(['heart-rate', 'steps', 'active-minutes']);
/**
 * Pages of dense types are kept below the API's 10,000: a parsed page is the
 * largest object a sync holds, and eight syncs run at once. Two heart-rate pages
 * cover an incremental sync's six days.
 */
export const DENSE_PAGE_SIZE = 5_000;

export interface PlanInput {
  now: number;
  /** The patient's IANA zone; today and yesterday are counted in it. */
  timeZone: string;
  /** Last complete local day already stored; null = never synced (backfill). */
  cursorDate: string | null;
  /** A webhook asked for days from this date to be read again. */
  rereadFrom: string | null;
  grantedScopes: readonly string[];
  /** Types Google refused for this patient (scope insufficient). */
  unavailable: ReadonlySet<string>;
  /** Types the stored days hold back to the horizon; null = not known (taken as complete). */
  history: ReadonlySet<string> | null;
  /** Types the enabled rules and the charts need. */
  needed: readonly DataTypeId[];
  backfillDays: number;
  rereadDays: number;
  /**
   * Types read over the whole horizon that delivered nothing in it, and when
   * the last good sync ran: such a type is polled once a day (by the day's
   * first sync) until data appears.
   */
  silent?: { dataTypes: ReadonlySet<string>; lastSuccessAt: number | null };
}

/** One list call (followed to its last page). */
export type RangeRequest = DataPointsQuery;

/** Days rewritten together from the points of `requests` plus the plan's `wholeRange` ones. */
export interface SyncChunk {
  dates: string[];
  requests: RangeRequest[];
}

export interface SyncPlan {
  kind: 'backfill' | 'incremental';
  from: string;
  to: string;
  dataTypes: DataTypeId[];
  /** Needed but not read, and why (not granted, or refused before). */
  skipped: { dataType: DataTypeId; reason: 'not-granted' | 'unavailable' | 'silent' }[];
  /** Sparse types read once for the whole range and kept for every chunk. */
  wholeRange: RangeRequest[];
  chunks: SyncChunk[];
}

function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

const utcMidnight = (date: string): number => (dayNumberOfDate(date) as number) * DAY_MS;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The AIP-160 filter selecting a type's points that can fall on local dates from..to. */
export function rangeFilter(dataType: DataTypeId, from: string, to: string): string {
  const spec = GOOGLE_HEALTH_DATA_TYPES[dataType];
  const field = spec.timeFilterField;
  if (spec.kind === 'daily') {
    return `${field} >= "${from}" AND ${field} < "${addDays(to, 1)}"`;
  }
  const context = spec.kind === 'session' ? 0 : EVENING_BEFORE_MS;
  const start = utcMidnight(from) - OFFSET_SLACK_MS - context;
  const end = utcMidnight(addDays(to, 1)) + OFFSET_SLACK_MS;
  return `${field} >= "${iso(start)}" AND ${field} < "${iso(end)}"`;
}

function request(dataType: DataTypeId, from: string, to: string): RangeRequest {
  const spec = GOOGLE_HEALTH_DATA_TYPES[dataType];
  // Weight keeps every source: a manual weigh-in is not a copy (source-preference.ts drops mirrors).
  const family = spec.dataSourceFamilyFilter && dataType !== 'weight' ? WEARABLES_FAMILY : null;
  return {
    dataType,
    filter: rangeFilter(dataType, from, to),
    pageSize: DENSE.has(dataType) ? Math.min(DENSE_PAGE_SIZE, spec.maxPageSize) : spec.maxPageSize,
    dataSourceFamily: family,
  };
}

/**
 * What one sync reads. First sync, and one that needs a type the stored days
 * hold no history of: BACKFILL_DAYS up to today. Later: from the
 * last complete local day minus REREAD_DAYS (devices sync late) up to today,
 * earlier when a webhook said so, never beyond the backfill horizon. Dense
 * types go in chunks of {@link CHUNK_DAYS}; sparse ones in one request.
 */
export function planSync(input: PlanInput): SyncPlan {
  const granted = new Set(input.grantedScopes);
  const skipped: SyncPlan['skipped'] = [];
  const today = localDateAt(input.now, input.timeZone);
  const silent = input.silent;
  const polledToday =
    silent !== undefined &&
    silent.lastSuccessAt !== null &&
    localDateAt(silent.lastSuccessAt, input.timeZone) === today;
  const dataTypes: DataTypeId[] = [];
  for (const dataType of DATA_TYPE_IDS) {
    if (!input.needed.includes(dataType)) continue;
    const scope = GOOGLE_HEALTH_SCOPE_PREFIX + GOOGLE_HEALTH_DATA_TYPES[dataType].scope;
    if (!granted.has(scope)) skipped.push({ dataType, reason: 'not-granted' });
    else if (input.unavailable.has(dataType)) skipped.push({ dataType, reason: 'unavailable' });
    else if (polledToday && silent.dataTypes.has(dataType) && input.history?.has(dataType))
      skipped.push({ dataType, reason: 'silent' });
    else dataTypes.push(dataType);
  }
  // Days are rewritten whole, so a type without history is read over the whole horizon.
  const history = input.history;
  const lacksHistory = history !== null && dataTypes.some((dataType) => !history.has(dataType));
  const resumeFrom =
    input.cursorDate === null || lacksHistory ? null : addDays(input.cursorDate, -input.rereadDays);

  const horizon = addDays(today, -(input.backfillDays - 1));
  let from = resumeFrom ?? horizon;
  if (input.rereadFrom !== null && input.rereadFrom < from) from = input.rereadFrom;
  if (from < horizon) from = horizon;
  if (from > today) from = today;

  const wholeRange = dataTypes.filter((t) => !DENSE.has(t)).map((t) => request(t, from, today));
  const dense = dataTypes.filter((t) => DENSE.has(t));
  const dates = datesBetween(from, today);
  const chunks: SyncChunk[] = [];
  for (let i = 0; i < dates.length; i += CHUNK_DAYS) {
    const chunkDates = dates.slice(i, i + CHUNK_DAYS);
    const last = chunkDates[chunkDates.length - 1];
    chunks.push({
      dates: chunkDates,
      requests: dense.map((t) => request(t, chunkDates[0], last)),
    });
  }
  return {
    kind: resumeFrom === null ? 'backfill' : 'incremental',
    from,
    to: today,
    dataTypes,
    skipped,
    wholeRange,
    chunks,
  };
}

/**
 * The types whose history the stored days hold after a successful sync: a
 * backfill's types; after an incremental sync, those kept all along that it
 * read again (a day rewritten without a type no longer holds it), and the
 * silent ones it left for tomorrow (there was nothing of them to lose).
 */
export function historyAfter(
  plan: SyncPlan,
  before: ReadonlySet<string> | null,
  refused: ReadonlySet<string>,
): string[] {
  const read = plan.dataTypes.filter((dataType) => !refused.has(dataType));
  const silent = plan.skipped
    .filter((s) => s.reason === 'silent' && before?.has(s.dataType) === true)
    .map((s) => s.dataType);
  if (plan.kind === 'backfill' || before === null) return [...read, ...silent];
  return [...read.filter((dataType) => before.has(dataType)), ...silent];
}

/**
 * The last local day that is complete: the day before the one the device last
 * synced on (or before today, if that is earlier). Never moves backwards.
 */
export function completeThrough(
  now: number,
  timeZone: string,
  lastDeviceSync: number | null,
  previous: string | null,
): string {
  const upTo = lastDeviceSync === null ? now : Math.min(now, lastDeviceSync);
  const candidate = addDays(localDateAt(upTo, timeZone), -1);
  return previous !== null && previous > candidate ? previous : candidate;
}
