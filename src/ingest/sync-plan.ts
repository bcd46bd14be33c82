import {
  addDays,
  DAY_MS,
  dayNumberOfDate,
  HOUR_MS,
  localDateAt,
  MINUTE_MS,
  startOfLocalDay,
} from '../time';
import {
  DATA_TYPE_IDS,
  DataTypeId,
  GOOGLE_HEALTH_DATA_TYPES,
  GOOGLE_HEALTH_SCOPE_PREFIX,
} from '../wearables/google-health/data-types';
import type { DataPointsQuery } from '../wearables/google-health/health-api-reader';
import { typesRereadWith } from './data-needs';
import {
  isRolledUp,
  ROLL_UP_MAX_DAYS,
  ROLL_UP_WINDOW_SECONDS,
  RolledUpType,
  RollUpQuery,
} from '../wearables/google-health/roll-ups';

/** Local offsets span UTC-12 to UTC+14: a UTC window this much wider holds every local day. */
const OFFSET_SLACK_MS = 14 * 3_600_000;
/**
 * The evening before the first day as a list reads it: its steps decide the
 * first night's still minutes. Lists are widened by the widest offset anyway.
 */
const EVENING_BEFORE_MS = 12 * HOUR_MS;
/** A still minute looks back this far for steps (resting-heart-rate.ts). */
const STILL_LOOK_BACK_MS = 10 * MINUTE_MS;
/**
 * A roll-up's first night reaches back at most this far before its day's
 * midnight: 13 days, this and a DST hour stay under heart rate's 14-day cap.
 */
const LONGEST_EVENING_MS = 22 * HOUR_MS;
/** Dense intraday types are read by list this many days at a time, so memory does not grow with a backfill. */
export const CHUNK_DAYS = 14;
/**
 * Days of one roll-up chunk: with the evening before, 13 days stay under the
 * 14-day range cap of heart rate even across a DST change, and fill exactly
 * two pages of 10,000 minute windows (14 days would need three).
 */
export const ROLL_UP_CHUNK_DAYS = 13;
/** Only Fitbit devices: mirrored copies never arrive (sleep cannot be filtered; it is de-duplicated). */
export const WEARABLES_FAMILY = 'users/me/dataSourceFamilies/google-wearables';

/** Types with thousands of points a day; everything else is a handful a day. */
const DENSE: ReadonlySet<DataTypeId> = new Set(['heart-rate', 'steps', 'active-minutes']);

/**
 * How heart rate and steps are read: `roll-up` (1-minute windows, the
 * default: every column they feed needs only minute values) or `list` (every
 * sample; the reference the roll-ups are tested against, and a fallback).
 */
export type IntradayReads = 'roll-up' | 'list';

export interface PlanInput {
  now: number;
  /** The patient's IANA zone; today and yesterday are counted in it. */
  timeZone: string;
  /** Last complete local day already stored; null = never synced (backfill). */
  cursorDate: string | null;
  /** A webhook asked for days from this date to be read again. */
  rereadFrom: string | null;
  /** The data types the webhooks named for that range; null = every type. */
  rereadDataTypes: readonly string[] | null;
  grantedScopes: readonly string[];
  /** Types Google refused for this patient (scope insufficient). */
  unavailable: ReadonlySet<string>;
  /** Types the stored days hold back to the horizon; null = not known (taken as complete). */
  history: ReadonlySet<string> | null;
  /** Types the enabled rules and the charts need. */
  needed: readonly DataTypeId[];
  backfillDays: number;
  rereadDays: number;
  intraday: IntradayReads;
  /** The patient's local date on which a sync last re-read the recent days; null = never. */
  rereadSpentOn: string | null;
  /** A rule the patient's program runs reads the device's last sync (the monitoring gap). */
  deviceSyncNeeded: boolean;
  /**
   * Types read over the whole horizon that delivered nothing in it, and when
   * the last good sync ran: such a type is polled once a day (by the day's
   * first sync) until data appears.
   */
  silent?: { dataTypes: ReadonlySet<string>; lastSuccessAt: number | null };
  /**
   * The day's re-read found the days before this one unchanged (minutes-check.ts):
   * heart rate and steps are read from it on, and the days before keep the
   * columns computed from them. Absent: read as the plan says.
   */
  minutesFrom?: string;
  /**
   * Per local date, the earliest start of a sleep this sync listed as ending
   * on it (the sleep list is read before any minute; `nightStarts` in
   * main-sleep.ts). A roll-up's first day then reads minutes from its first
   * night's start on, not from 12 hours before. Absent: the 12 hours.
   */
  nightStarts?: ReadonlyMap<string, number>;
}

/** One call followed to its last page: a list, or a roll-up of minute windows. */
export type RangeRequest =
  ({ method: 'list' } & DataPointsQuery) | ({ method: 'rollUp' } & RollUpQuery);

/** Days rewritten together from the points of `requests` plus the plan's `wholeRange` ones. */
export interface SyncChunk {
  dates: string[];
  requests: RangeRequest[];
  /**
   * Dense points from this instant on serve these days (the evening before
   * included). Requests start where the previous chunk's ended, so the points
   * between this instant and that start are carried over, not read twice.
   */
  contextFrom: number;
}

/**
 * Days read for some types only, so only the columns computed from those
 * types may be rewritten: a webhook's days before the sync's own range (the
 * named types and those read with them, data-needs.ts), or the re-read days
 * whose minutes did not change (every type but heart rate and steps).
 */
export interface PartialDays {
  /** The last such day; they run from the plan's `from`. */
  through: string;
  dataTypes: DataTypeId[];
}

export interface SyncPlan {
  kind: 'backfill' | 'incremental';
  from: string;
  to: string;
  /** Null when every day from `from` is read for every type and rewritten whole. */
  partial: PartialDays | null;
  dataTypes: DataTypeId[];
  /** Needed but not read, and why (not granted, or refused before). */
  skipped: { dataType: DataTypeId; reason: 'not-granted' | 'unavailable' | 'silent' }[];
  /** Sparse types read once for the whole range and kept for every chunk. */
  wholeRange: RangeRequest[];
  chunks: SyncChunk[];
  /** This sync re-reads the recent days for late data (once a local day, or a backfill). */
  reread: boolean;
  /** `pairedDevices` is read: a rule needs the device's last sync, or the daily re-read refreshes it for the patient page. */
  readDevice: boolean;
  /** The days whose quarter hours tell whether the re-read days' minutes changed; null: no check. */
  minutesCheck: MinutesCheck | null;
}

/**
 * The quarter-hour roll-ups a day's re-read asks for before reading minutes
 * (minutes-check.ts): one per type over the local days from the day before
 * `from` (its evening is the first night's context) up to yesterday.
 */
export interface MinutesCheck {
  from: string;
  through: string;
  dataTypes: RolledUpType[];
  queries: RollUpQuery[];
}

/**
 * The check's windows: every real zone offset is a whole number of quarter
 * hours, so each local day is exactly its quarter hours (96, or 92 and 100
 * across a DST change), whatever offset the watch recorded.
 */
export const CHECK_WINDOW_SECONDS = 900;

function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

const utcMidnight = (date: string): number => (dayNumberOfDate(date) as number) * DAY_MS;
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** An AIP-160 filter on a type's time field, [startMs, endMs). */
function instantFilter(dataType: DataTypeId, startMs: number, endMs: number): string {
  const field = GOOGLE_HEALTH_DATA_TYPES[dataType].timeFilterField;
  return `${field} >= "${iso(startMs)}" AND ${field} < "${iso(endMs)}"`;
}

/** The AIP-160 filter selecting a type's points that can fall on local dates from..to. */
export function rangeFilter(dataType: DataTypeId, from: string, to: string): string {
  const spec = GOOGLE_HEALTH_DATA_TYPES[dataType];
  const field = spec.timeFilterField;
  if (spec.kind === 'daily') {
    return `${field} >= "${from}" AND ${field} < "${addDays(to, 1)}"`;
  }
  const context = spec.kind === 'session' ? 0 : EVENING_BEFORE_MS;
  return instantFilter(
    dataType,
    utcMidnight(from) - OFFSET_SLACK_MS - context,
    utcMidnight(addDays(to, 1)) + OFFSET_SLACK_MS,
  );
}

export function familyOf(dataType: DataTypeId): string | null {
  const spec = GOOGLE_HEALTH_DATA_TYPES[dataType];
  // Weight keeps every source: a manual weigh-in is not a copy (source-preference.ts drops mirrors).
  return spec.dataSourceFamilyFilter && dataType !== 'weight' ? WEARABLES_FAMILY : null;
}

/** Every list asks for the largest page the API allows for its type. */
function listRequest(dataType: DataTypeId, filter: string): RangeRequest {
  return {
    method: 'list',
    dataType,
    filter,
    pageSize: GOOGLE_HEALTH_DATA_TYPES[dataType].maxPageSize,
    dataSourceFamily: familyOf(dataType),
  };
}

/** Physical instants that bound a chunk's reads, and from which its dense points count. */
interface ChunkSpan {
  contextFrom: number;
  end: number;
}

/**
 * Where a roll-up's minutes of the local day `date` start: what its columns
 * read of the evening before. The day's quietest hours are UTC hours and look
 * back 10 minutes for steps: from the start of the hour holding midnight, or
 * 10 minutes before midnight. Its resting estimate reads the main sleep, which
 * may begin the evening before: from that sleep's start, 10 minutes before.
 * Without the sleep list (`nightStarts` absent), 12 hours before midnight.
 */
function eveningFrom(
  date: string,
  timeZone: string,
  nightStarts: ReadonlyMap<string, number> | undefined,
): number {
  const midnight = startOfLocalDay(date, timeZone).getTime();
  if (nightStarts === undefined) return midnight - EVENING_BEFORE_MS;
  const hourStart = Math.floor(midnight / HOUR_MS) * HOUR_MS;
  let from = Math.min(hourStart, midnight - STILL_LOOK_BACK_MS);
  const night = nightStarts.get(date);
  if (night !== undefined)
    from = Math.min(from, Math.floor(night / MINUTE_MS) * MINUTE_MS - STILL_LOOK_BACK_MS);
  return Math.max(from, midnight - LONGEST_EVENING_MS);
}

/**
 * Roll-up reads: the patient's local days exactly (the zone is known, and
 * windows carry no offset of their own), after their first night's evening
 * ({@link eveningFrom}). List reads: UTC days widened by the widest offset,
 * because a point's own offset files it, and a travelling patient's may not
 * be the zone's.
 */
function chunkSpan(
  input: Pick<PlanInput, 'intraday' | 'timeZone' | 'nightStarts'>,
  dates: string[],
): ChunkSpan {
  const first = dates[0];
  const next = addDays(dates[dates.length - 1], 1);
  if (input.intraday === 'roll-up')
    return {
      contextFrom: eveningFrom(first, input.timeZone, input.nightStarts),
      end: startOfLocalDay(next, input.timeZone).getTime(),
    };
  return {
    contextFrom: utcMidnight(first) - OFFSET_SLACK_MS - EVENING_BEFORE_MS,
    end: utcMidnight(next) + OFFSET_SLACK_MS,
  };
}

function denseRequest(
  intraday: IntradayReads,
  dataType: DataTypeId,
  startMs: number,
  endMs: number,
): RangeRequest {
  if (intraday === 'roll-up' && isRolledUp(dataType))
    return {
      method: 'rollUp',
      dataType,
      startTime: startMs,
      endTime: endMs,
      windowSeconds: ROLL_UP_WINDOW_SECONDS,
      pageSize: ROLL_UP_PAGE_SIZE,
      dataSourceFamily: familyOf(dataType),
    };
  return listRequest(dataType, instantFilter(dataType, startMs, endMs));
}

/** Minutes stamped this far past the clock are still read: a tracker's clock may run ahead. */
const AHEAD_MS = 15 * 60_000;

/**
 * Where a roll-up from `start` ends: the end of its last local day, or
 * sooner, the whole minute after now (and {@link AHEAD_MS}). Windows still to
 * come hold nothing, yet each would be served, read and checked: they are
 * most of a later sync's empty windows, up to a third of its bytes.
 */
function rolledUpTo(start: number, end: number, now: number): number {
  const windowMs = ROLL_UP_WINDOW_SECONDS * 1000;
  const upTo = start + (Math.floor((now + AHEAD_MS - start) / windowMs) + 1) * windowMs;
  return Math.min(end, Math.max(start, upTo));
}

/** Roll-ups page up to 10,000 windows (Discovery: `pageSize` maximum). */
export const ROLL_UP_PAGE_SIZE = 10_000;

/**
 * What one sync reads. First sync, and one that needs a type the stored days
 * hold no history of: BACKFILL_DAYS up to today. Later: from the day after
 * the last complete local day up to today, and once a local day from that day
 * minus REREAD_DAYS (devices sync late); earlier when a webhook said so, never
 * beyond the backfill horizon. Dense types go in chunks that do not overlap;
 * sparse ones in one request.
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
  const backfill = input.cursorDate === null || lacksHistory;
  const reread = backfill || input.rereadSpentOn !== today;
  const resumeFrom =
    input.cursorDate === null || lacksHistory
      ? null
      : addDays(input.cursorDate, reread ? -input.rereadDays : 1);

  const horizon = addDays(today, -(input.backfillDays - 1));
  const clamp = (date: string): string => (date < horizon ? horizon : date > today ? today : date);
  const ownFrom = clamp(resumeFrom ?? horizon);
  const earlier =
    input.rereadFrom !== null && input.rereadFrom < ownFrom ? clamp(input.rereadFrom) : ownFrom;
  // A webhook's earlier days: the named types and those read with them; every type if unnamed.
  const rereadTypes =
    earlier < ownFrom && input.rereadDataTypes !== null
      ? typesRereadWith(input.rereadDataTypes).filter((t) => dataTypes.includes(t))
      : dataTypes;
  // A webhook naming only types nothing needs costs nothing.
  const from = rereadTypes.length === 0 ? ownFrom : earlier;
  const webhookDays: PartialDays | null =
    from < ownFrom && rereadTypes.length < dataTypes.length
      ? { through: addDays(ownFrom, -1), dataTypes: rereadTypes }
      : null;
  const minutesCheck =
    reread && resumeFrom !== null && webhookDays === null && from === ownFrom
      ? checkOf(input, dataTypes, from, today)
      : null;
  const minutesFrom = input.minutesFrom;
  const partial: PartialDays | null =
    minutesCheck !== null && minutesFrom !== undefined && minutesFrom > from
      ? {
          through: addDays(minutesFrom < today ? minutesFrom : today, -1),
          // Every other type counts as read: its columns are what a whole re-read gives.
          dataTypes: DATA_TYPE_IDS.filter((t) => !(minutesCheck.dataTypes as string[]).includes(t)),
        }
      : webhookDays;
  const fromOf = (dataType: DataTypeId): string => readFrom({ from, partial }, dataType);

  const wholeRange = dataTypes
    .filter((t) => !DENSE.has(t))
    .map((t) => listRequest(t, rangeFilter(t, fromOf(t), today)));
  const dense = dataTypes.filter((t) => DENSE.has(t));
  const dates = datesBetween(from, today);
  const chunkDays = input.intraday === 'roll-up' ? ROLL_UP_CHUNK_DAYS : CHUNK_DAYS;
  const chunks: SyncChunk[] = [];
  // Where each dense type's reads reached: the next chunk starts there.
  const readUpTo = new Map<DataTypeId, number>();
  for (let i = 0; i < dates.length; i += chunkDays) {
    const chunkDates = dates.slice(i, i + chunkDays);
    const span = chunkSpan(input, chunkDates);
    const requests: RangeRequest[] = [];
    for (const t of dense) {
      const first = fromOf(t);
      if (first > chunkDates[chunkDates.length - 1]) continue;
      const start =
        readUpTo.get(t) ??
        (first > chunkDates[0] ? chunkSpan(input, [first]).contextFrom : span.contextFrom);
      const end = input.intraday === 'roll-up' ? rolledUpTo(start, span.end, input.now) : span.end;
      requests.push(denseRequest(input.intraday, t, start, end));
      readUpTo.set(t, end);
    }
    chunks.push({ dates: chunkDates, requests, contextFrom: span.contextFrom });
  }
  return {
    kind: resumeFrom === null ? 'backfill' : 'incremental',
    from,
    to: today,
    partial,
    dataTypes,
    skipped,
    wholeRange,
    chunks,
    reread,
    readDevice: input.deviceSyncNeeded || reread,
    minutesCheck,
  };
}

/**
 * The quarter-hour roll-ups of a day's re-read, when they can stand for its
 * minutes: by roll-up, with no other dense type (active minutes has no
 * fingerprint), and within heart rate's 14-day range (physical: a DST change
 * makes a day 25 hours).
 */
function checkOf(
  input: PlanInput,
  dataTypes: readonly DataTypeId[],
  from: string,
  today: string,
): MinutesCheck | null {
  if (input.intraday !== 'roll-up') return null;
  const dense = dataTypes.filter((t) => DENSE.has(t));
  const checked = dense.filter(isRolledUp);
  if (checked.length === 0 || checked.length < dense.length) return null;
  const first = addDays(from, -1);
  const startTime = startOfLocalDay(first, input.timeZone).getTime();
  const endTime = startOfLocalDay(today, input.timeZone).getTime();
  if (endTime - startTime > ROLL_UP_MAX_DAYS['heart-rate'] * DAY_MS) return null;
  return {
    from: first,
    through: addDays(today, -1),
    dataTypes: checked,
    queries: checked.map((dataType) => ({
      dataType,
      startTime,
      endTime,
      windowSeconds: CHECK_WINDOW_SECONDS,
      pageSize: ROLL_UP_PAGE_SIZE,
      dataSourceFamily: familyOf(dataType),
      figures: true,
    })),
  };
}

/** The first date whose points of a type the plan reads whole: the partial days hold only some types. */
export function readFrom(plan: Pick<SyncPlan, 'from' | 'partial'>, dataType: DataTypeId): string {
  const partial = plan.partial;
  return partial === null || partial.dataTypes.includes(dataType)
    ? plan.from
    : addDays(partial.through, 1);
}

/** A webhook's re-read as stored in `sync_states`: from a date, of named types (null: all). */
export interface Reread {
  rereadFrom: string | null;
  rereadDataTypes: string | null;
}

/**
 * The re-read after one more webhook named `dataType` (null: none) from
 * `from`: the earliest date, and the named types together. A type Vigil does
 * not know, or none named, re-reads every type.
 */
export function widenReread(current: Reread, from: string, dataType: string | null): Reread {
  const known = dataType !== null && (DATA_TYPE_IDS as readonly string[]).includes(dataType);
  const earliest =
    current.rereadFrom === null || from < current.rereadFrom ? from : current.rereadFrom;
  if (!known) return { rereadFrom: earliest, rereadDataTypes: null };
  if (current.rereadFrom === null) return { rereadFrom: earliest, rereadDataTypes: dataType };
  if (current.rereadDataTypes === null) return { rereadFrom: earliest, rereadDataTypes: null };
  const types = new Set([...current.rereadDataTypes.split(' ').filter(Boolean), dataType]);
  return {
    rereadFrom: earliest,
    rereadDataTypes: DATA_TYPE_IDS.filter((t) => types.has(t)).join(' '),
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
