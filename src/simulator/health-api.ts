/** The Health API under /v4: identity, settings, paired devices, dataPoints list, reconcile and roll-ups. */
import { Cohort, DayRecord, SimulatedUser } from './cohort';
import { DataTypeDefinition, findDataType, SCOPES } from './data-types';
import { candidateDateRange, FilterError, matchesFilter, parseFilter } from './filter';
import { GoogleStatus, JsonBytes } from './http-util';
import { JsonWriter } from './json-writer';
import { MINUTE_CADENCE_SECONDS } from './heart-rate-cadence';
import {
  arrivalMs,
  dayEntries,
  forEachRecordedMinute,
  JsonObject,
  PointEntry,
  PointOrigin,
  stampedOffset,
} from './points';
import { hashSeed } from './prng';
import {
  assertRolledUp,
  civilWindows,
  EachMinute,
  isNumericRollUp,
  maxRollUpDays,
  physicalWindows,
  ROLL_UP_DEFAULT_PAGE_SIZE,
  ROLL_UP_MAX_PAGE_SIZE,
  RollUpRequestError,
  windowPage,
} from './roll-ups';
import { addDays, DAY_MS } from '../time';
import { durationString, rfc3339 } from './time';

export interface ApiAnswer {
  status: number;
  /** A value to serialise, or JSON text already written. */
  body: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: GoogleStatus,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

const FAMILY_PREFIX = 'users/me/dataSourceFamilies/';
const FAMILIES: Record<string, (origin: PointOrigin) => boolean> = {
  'all-sources': () => true,
  'google-wearables': (origin) => origin === 'tracker' || origin === 'scale',
  'google-sources': (origin) => origin !== 'healthkit',
  // Points written by the calling client: the simulator has no write API, so none.
  'self-sources': () => false,
};

interface PageCursor {
  fingerprint: string;
  date: string;
  skip: number;
  issuedAtMs: number;
}

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(
    JSON.stringify([cursor.fingerprint, cursor.date, cursor.skip, cursor.issuedAtMs]),
  ).toString('base64url');
}

function decodeCursor(token: string): PageCursor | null {
  try {
    const [fingerprint, date, skip, issuedAtMs] = JSON.parse(
      Buffer.from(token, 'base64url').toString(),
    ) as unknown[];
    if (
      typeof fingerprint !== 'string' ||
      typeof date !== 'string' ||
      typeof skip !== 'number' ||
      typeof issuedAtMs !== 'number'
    ) {
      return null;
    }
    return { fingerprint, date, skip, issuedAtMs };
  } catch {
    return null;
  }
}

export interface ListRequest {
  dataTypeId: string;
  reconcile: boolean;
  query: URLSearchParams;
}

export interface RollUpRequest {
  dataTypeId: string;
  /** `:dailyRollUp` (civil days) rather than `:rollUp` (physical windows). */
  daily: boolean;
  body: unknown;
}

export class HealthApi {
  /** The last list's filtered points of each generated day; lives as long as the cohort caches the day. */
  private readonly listedDays = new WeakMap<DayRecord, { key: string; entries: PointEntry[] }>();
  /** The same for roll-ups of the sparse types, which read every family's reconciled points of a day. */
  private readonly rolledDays = new WeakMap<DayRecord, { key: string; value: PointEntry[] }>();

  constructor(
    private readonly cohort: Cohort,
    private readonly now: () => number,
    private readonly pageTokenTtlMs: number,
    /** Seconds between heart-rate samples while worn (Fitbit: about 5). */
    private readonly heartRateCadenceSeconds = MINUTE_CADENCE_SECONDS,
  ) {}

  /** The scope a route needs; identity accepts any Health scope. */
  requiredScopes(
    route: 'identity' | 'settings' | 'pairedDevices' | 'dataPoints',
    dataType?: DataTypeDefinition,
  ): string[] {
    if (route === 'identity') return Object.values(SCOPES);
    if (route === 'dataPoints' && dataType) return [dataType.scope];
    return [SCOPES.settings];
  }

  identity(user: SimulatedUser): ApiAnswer {
    return {
      status: 200,
      body: {
        name: `users/${user.healthUserId}/identity`,
        healthUserId: user.healthUserId,
        legacyUserId: user.legacyUserId,
      },
    };
  }

  settings(user: SimulatedUser): ApiAnswer {
    const now = this.now();
    const timeZone = this.cohort.timeZoneAt(user, now);
    const american = timeZone.startsWith('America/');
    return {
      status: 200,
      body: {
        name: `users/${user.healthUserId}/settings`,
        timeZone,
        utcOffset: durationString(this.cohort.offsetSecondsAt(user, now)),
        languageLocale: american ? 'en_US' : 'en_GB',
        distanceUnit: american ? 'DISTANCE_UNIT_MILES' : 'DISTANCE_UNIT_KILOMETERS',
        weightUnit: american ? 'WEIGHT_UNIT_POUNDS' : 'WEIGHT_UNIT_KILOGRAMS',
        temperatureUnit: american ? 'TEMPERATURE_UNIT_FAHRENHEIT' : 'TEMPERATURE_UNIT_CELSIUS',
      },
    };
  }

  pairedDevices(user: SimulatedUser): ApiAnswer {
    const lastSync = this.cohort.lastSyncTime(user);
    const battery = this.cohort.batteryLevel(user);
    const devices: JsonObject[] = [
      {
        name: `users/${user.healthUserId}/pairedDevices/tracker-${user.index + 1}`,
        deviceType: 'TRACKER',
        deviceVersion: user.deviceName,
        batteryLevel: battery,
        batteryStatus: battery > 60 ? 'High' : battery > 25 ? 'Medium' : 'Low',
        lastSyncTime: rfc3339(lastSync),
      },
    ];
    // Only a scale's owner has it paired: the search generates up to two weeks of days.
    const lastWeighIn = user.ownsScale ? this.lastScaleWeighIn(user) : null;
    if (lastWeighIn !== null) {
      devices.push({
        name: `users/${user.healthUserId}/pairedDevices/scale-${user.index + 1}`,
        deviceType: 'SCALE',
        deviceVersion: 'Aria Air',
        batteryStatus: 'High',
        lastSyncTime: rfc3339(lastWeighIn),
      });
    }
    return { status: 200, body: { pairedDevices: devices } };
  }

  private lastScaleWeighIn(user: SimulatedUser): number | null {
    const now = this.now();
    let date = this.cohort.today(user);
    for (let i = 0; i < 14 && date >= this.cohort.historyStartDate; i++, date = addDays(date, -1)) {
      const weighIns = this.cohort
        .day(user, date)
        .weighIns.filter((w) => !w.manual && w.instantMs <= now);
      if (weighIns.length > 0) return weighIns[weighIns.length - 1].instantMs;
    }
    return null;
  }

  dataType(id: string): DataTypeDefinition {
    const dataType = findDataType(id);
    if (!dataType) {
      throw new ApiError(
        400,
        'INVALID_ARGUMENT',
        `Data type "${id}" is not supported by this simulator.`,
      );
    }
    return dataType;
  }

  list(user: SimulatedUser, request: ListRequest): ApiAnswer {
    const dataType = this.dataType(request.dataTypeId);
    const query = request.query;
    const pageSize = this.pageSize(dataType, query.get('pageSize'));
    const family = this.family(dataType, query.get('dataSourceFamily'), request.reconcile);
    const filterText = query.get('filter') ?? '';
    let filter;
    try {
      filter = parseFilter(filterText, dataType);
    } catch (error) {
      if (error instanceof FilterError)
        throw new ApiError(400, 'INVALID_ARGUMENT', `Invalid filter: ${error.message}`);
      throw error;
    }
    const fingerprint = hashSeed(
      user.id,
      dataType.id,
      filterText,
      family,
      String(request.reconcile),
    ).toString(36);
    const range = candidateDateRange(filter);
    const firstDate =
      range.from && range.from > this.cohort.historyStartDate
        ? range.from
        : this.cohort.historyStartDate;
    const today = this.cohort.today(user);
    let date = range.to && range.to < today ? range.to : today;
    let skip = 0;
    const pageToken = query.get('pageToken');
    if (pageToken) {
      const cursor = decodeCursor(pageToken);
      if (!cursor || cursor.fingerprint !== fingerprint) {
        throw new ApiError(
          400,
          'INVALID_ARGUMENT',
          'The page token is invalid or does not match the request.',
        );
      }
      if (this.now() - cursor.issuedAtMs > this.pageTokenTtlMs) {
        throw new ApiError(400, 'INVALID_ARGUMENT', 'The page token has expired.');
      }
      date = cursor.date;
      skip = cursor.skip;
    }

    const visibleUntil = this.cohort.lastSyncTime(user);
    const keep = FAMILIES[family];
    const entriesOf = (day: string): PointEntry[] => {
      // The next page of a list starts on the day this one ended on (or probed): kept with
      // the generated day (a day regenerated after a scenario change starts afresh).
      const record = this.cohort.day(user, day);
      const key = `${fingerprint}|${visibleUntil}`;
      const listed = this.listedDays.get(record);
      if (listed?.key === key) return listed.entries;
      const entries = dayEntries(user, record, dataType.id, this.heartRateCadenceSeconds).filter(
        (entry) =>
          entry.recordedAtMs <= visibleUntil &&
          keep(entry.origin) &&
          matchesFilter(filter, entry) &&
          (!request.reconcile || entry.sourceRank === 0),
      );
      this.listedDays.set(record, { key, entries });
      return entries;
    };

    const page: PointEntry[] = [];
    let next: { date: string; skip: number } | null = null;
    for (; date >= firstDate; date = addDays(date, -1), skip = 0) {
      const entries = entriesOf(date);
      const taken = entries.slice(skip, skip + pageSize - page.length);
      page.push(...taken);
      if (skip + taken.length < entries.length) {
        next = { date, skip: skip + taken.length };
        break;
      }
      if (page.length === pageSize) {
        for (let later = addDays(date, -1); later >= firstDate; later = addDays(later, -1)) {
          if (entriesOf(later).length > 0) {
            next = { date: later, skip: 0 };
            break;
          }
        }
        break;
      }
    }

    const nextPageToken = next
      ? encodeCursor({ fingerprint, ...next, issuedAtMs: this.now() })
      : '';
    if (request.reconcile) {
      const dataPoints = page.map((entry) => {
        const { name, dataSource: _dataSource, ...rest } = entry.build();
        return { dataPointName: name, ...rest };
      });
      return { status: 200, body: { dataPoints, nextPageToken } };
    }
    // The same JSON as the objects would give; minute points write theirs directly.
    const out = new JsonWriter();
    out.raw('{"dataPoints":[');
    page.forEach((entry, i) => {
      if (i > 0) out.raw(',');
      if (entry.writeJson) entry.writeJson(out);
      else out.raw(JSON.stringify(entry.build()));
    });
    out.raw(`],"nextPageToken":${JSON.stringify(nextPageToken)}}`);
    return { status: 200, body: new JsonBytes(out.bytes()) };
  }

  /** `dataPoints:rollUp` or `dataPoints:dailyRollUp`: windows in time order, empty ones included. */
  rollUp(user: SimulatedUser, request: RollUpRequest): ApiAnswer {
    const dataType = this.dataType(request.dataTypeId);
    try {
      assertRolledUp(dataType);
      return this.rolledUp(user, dataType, request);
    } catch (error) {
      if (error instanceof RollUpRequestError)
        throw new ApiError(400, 'INVALID_ARGUMENT', error.message);
      throw error;
    }
  }

  private rolledUp(
    user: SimulatedUser,
    dataType: DataTypeDefinition,
    request: RollUpRequest,
  ): ApiAnswer {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new RollUpRequestError('The request body must be a JSON object.');
    const fields = body as Record<string, unknown>;
    const family = this.family(
      dataType,
      optionalText(fields.dataSourceFamily, 'dataSourceFamily'),
      true,
    );
    const pageSize = rollUpPageSize(fields.pageSize);
    const maxDays = maxRollUpDays(dataType.id);
    const range = fields.range;
    if (typeof range !== 'object' || range === null || Array.isArray(range))
      throw new RollUpRequestError('range is required.');
    const limitError = `The maximum range for ${dataType.id} is ${maxDays} days.`;

    let total: number;
    /** Writes the windows from `skip` on as a JSON array; answers how many. */
    let windows: (skip: number, out: JsonWriter) => number;
    let shape: string;
    if (request.daily) {
      const { start, end } = range as Record<string, unknown>;
      const startCivil = civilDateTimeOf(start, 'range.start');
      const endCivil = civilDateTimeOf(end, 'range.end');
      if (!startCivil.endsWith('T00:00:00'))
        throw new RollUpRequestError('The start time must be aligned with the aggregation window.');
      if (endCivil < startCivil)
        throw new RollUpRequestError('range.end must not be before range.start.');
      const days = fields.windowSizeDays ?? 1;
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 1)
        throw new RollUpRequestError('windowSizeDays must be a positive integer.');
      const startDate = startCivil.slice(0, 10);
      const spanMs = Date.parse(`${endCivil}Z`) - Date.parse(`${startCivil}Z`);
      if (spanMs > maxDays * DAY_MS) throw new RollUpRequestError(limitError);
      total = Math.ceil(spanMs / (days * DAY_MS));
      shape = `${startCivil}|${endCivil}|${days}d`;
      windows = (skip, out) => {
        const page = civilWindows(
          dataType,
          startDate,
          endCivil,
          days,
          windowPage(total, skip, pageSize),
          (d) => this.rolledEntries(user, dataType, family, d),
          (d, visit) => this.eachRolledMinute(user, dataType, family, d, visit),
        );
        out.raw(JSON.stringify(page));
        return page.length;
      };
    } else {
      const { startTime, endTime } = range as Record<string, unknown>;
      const startMs = instantOf(startTime, 'range.startTime');
      const endMs = instantOf(endTime, 'range.endTime');
      if (endMs < startMs)
        throw new RollUpRequestError('range.endTime must not be before range.startTime.');
      if (endMs - startMs > maxDays * DAY_MS) throw new RollUpRequestError(limitError);
      const windowMs = windowSizeMs(fields.windowSize);
      total = Math.ceil((endMs - startMs) / windowMs);
      shape = `${startMs}|${endMs}|${windowMs}ms`;
      windows = (skip, out) =>
        physicalWindows(
          dataType,
          startMs,
          endMs,
          windowMs,
          windowPage(total, skip, pageSize),
          {
            dates: (from, to) => this.datesAround(user, from, to),
            entriesOn: (d) => this.rolledEntries(user, dataType, family, d),
            eachMinute: (d, visit) => this.eachRolledMinute(user, dataType, family, d, visit),
          },
          out,
        );
    }

    const fingerprint = hashSeed(
      user.id,
      dataType.id,
      request.daily ? 'dailyRollUp' : 'rollUp',
      shape,
      family,
      String(pageSize),
    ).toString(36);
    let skip = 0;
    const pageToken = optionalText(fields.pageToken, 'pageToken');
    if (pageToken) {
      const cursor = decodeCursor(pageToken);
      if (!cursor || cursor.fingerprint !== fingerprint)
        throw new RollUpRequestError('The page token is invalid or does not match the request.');
      if (this.now() - cursor.issuedAtMs > this.pageTokenTtlMs)
        throw new RollUpRequestError('The page token has expired.');
      skip = cursor.skip;
    }
    // Thousands of windows: written as text, not built as objects and serialised.
    const out = new JsonWriter();
    out.raw('{"rollupDataPoints":');
    let next = skip;
    if (skip < total) next += windows(skip, out);
    else out.raw('[]');
    if (next < total) {
      const token = encodeCursor({ fingerprint, date: '', skip: next, issuedAtMs: this.now() });
      out.raw(`,"nextPageToken":${JSON.stringify(token)}`);
    }
    out.raw('}');
    return { status: 200, body: new JsonBytes(out.bytes()) };
  }

  /** A generated day's points a roll-up adds up: visible, of the family, reconciled. */
  private rolledEntries(
    user: SimulatedUser,
    dataType: DataTypeDefinition,
    family: string,
    date: string,
  ): PointEntry[] {
    if (!this.hasRolledDay(user, date)) return [];
    const record = this.cohort.day(user, date);
    const visibleUntil = this.cohort.lastSyncTime(user);
    const key = `${dataType.id}|${family}|${visibleUntil}`;
    const cached = this.rolledDays.get(record);
    if (cached?.key === key) return cached.value;
    const keep = FAMILIES[family];
    const value = dayEntries(user, record, dataType.id, this.heartRateCadenceSeconds).filter(
      (entry) => entry.recordedAtMs <= visibleUntil && keep(entry.origin) && entry.sourceRank === 0,
    );
    this.rolledDays.set(record, { key, value });
    return value;
  }

  /**
   * The same for heart rate and steps, minute by minute: the tracker's own
   * samples (never mirrored or copied, so every family but `self-sources` has
   * them all) that have reached Google.
   */
  private eachRolledMinute(
    user: SimulatedUser,
    dataType: DataTypeDefinition,
    family: string,
    date: string,
    visit: Parameters<EachMinute>[1],
  ): void {
    const id = dataType.id;
    if (!isNumericRollUp(id) || !this.hasRolledDay(user, date) || !FAMILIES[family]('tracker'))
      return;
    const record = this.cohort.day(user, date);
    const visibleUntil = this.cohort.lastSyncTime(user);
    forEachRecordedMinute(
      record,
      id as 'heart-rate' | 'steps',
      this.heartRateCadenceSeconds,
      (_minute, startMs, spacingMs, samples, intervalMs) => {
        // A minute's samples reach Google in order: those that have are the first `count`.
        let count = samples.values.length;
        while (
          count > 0 &&
          arrivalMs(record, startMs + (count - 1) * spacingMs + intervalMs) > visibleUntil
        )
          count--;
        if (count > 0) visit(startMs, spacingMs, samples, count, stampedOffset(record, startMs));
      },
    );
  }

  /** Days before the history or after the user's today have no points. */
  private hasRolledDay(user: SimulatedUser, date: string): boolean {
    return date >= this.cohort.historyStartDate && date <= this.cohort.today(user);
  }

  /** Local dates whose generated points can fall between two instants (offsets span a day). */
  private datesAround(user: SimulatedUser, fromMs: number, toMs: number): string[] {
    const dates: string[] = [];
    const last = rfc3339(toMs + DAY_MS).slice(0, 10);
    for (let date = rfc3339(fromMs - DAY_MS).slice(0, 10); date <= last; date = addDays(date, 1))
      dates.push(date);
    return dates;
  }

  private pageSize(dataType: DataTypeDefinition, raw: string | null): number {
    if (raw === null || raw === '') return dataType.defaultPageSize;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) {
      throw new ApiError(400, 'INVALID_ARGUMENT', 'pageSize must be a non-negative integer.');
    }
    if (value === 0) return dataType.defaultPageSize;
    return Math.min(value, dataType.maxPageSize);
  }

  private family(dataType: DataTypeDefinition, raw: string | null, reconcile: boolean): string {
    if (raw === null || raw === '') return 'all-sources';
    // Google's format is users/me/dataSourceFamilies/<family>; the bare family is accepted too.
    const family = raw.startsWith(FAMILY_PREFIX) ? raw.slice(FAMILY_PREFIX.length) : raw;
    if (!Object.prototype.hasOwnProperty.call(FAMILIES, family)) {
      throw new ApiError(400, 'INVALID_ARGUMENT', `Unknown data source family "${raw}".`);
    }
    if (!reconcile && !dataType.supportsDataSourceFamily) {
      throw new ApiError(
        400,
        'INVALID_ARGUMENT',
        `Filtering by data source family is not supported for ${dataType.id}; use dataPoints:reconcile.`,
      );
    }
    return family;
  }
}

function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new RollUpRequestError(`${field} must be a string.`);
  return value;
}

/** int32 in protobuf JSON: a number, or a string of digits. */
function rollUpPageSize(value: unknown): number {
  if (value === undefined || value === null) return ROLL_UP_DEFAULT_PAGE_SIZE;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new RollUpRequestError('pageSize must be a non-negative integer.');
  if (n === 0) return ROLL_UP_DEFAULT_PAGE_SIZE;
  return Math.min(n, ROLL_UP_MAX_PAGE_SIZE);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function instantOf(value: unknown, field: string): number {
  if (value === undefined || value === null || value === '')
    throw new RollUpRequestError(`${field} is required.`);
  const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new RollUpRequestError(`${field} must be an RFC 3339 timestamp.`);
  return ms;
}

/** google-duration: `"60s"`, `"0.5s"`; at least one second. */
function windowSizeMs(value: unknown): number {
  if (value === undefined || value === null || value === '')
    throw new RollUpRequestError('windowSize is required.');
  const match = typeof value === 'string' ? /^(\d+)(?:\.(\d{1,9}))?s$/.exec(value) : null;
  if (!match) throw new RollUpRequestError('windowSize must be a duration such as "60s".');
  const ms = Number(match[1]) * 1000 + Math.floor(Number(`0.${match[2] ?? '0'}`) * 1000);
  if (ms < 1000) throw new RollUpRequestError('windowSize must be at least 1 second.');
  return ms;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** CivilDateTime JSON -> `YYYY-MM-DDTHH:mm:ss`; the time defaults to midnight. */
function civilDateTimeOf(value: unknown, field: string): string {
  if (typeof value !== 'object' || value === null)
    throw new RollUpRequestError(`${field} is required.`);
  const { date, time } = value as { date?: unknown; time?: unknown };
  if (typeof date !== 'object' || date === null)
    throw new RollUpRequestError(`${field}.date is required.`);
  const { year, month, day } = date as Record<string, unknown>;
  const valid =
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    (year as number) >= 1 &&
    (year as number) <= 9999;
  const text = valid
    ? `${String(year).padStart(4, '0')}-${pad2(month as number)}-${pad2(day as number)}`
    : '';
  if (
    !valid ||
    Number.isNaN(Date.parse(`${text}T00:00:00Z`)) ||
    new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text
  )
    throw new RollUpRequestError(`${field}.date must be a full calendar date.`);
  const t = (time ?? {}) as Record<string, unknown>;
  if (typeof t !== 'object') throw new RollUpRequestError(`${field}.time must be an object.`);
  const part = (name: string, max: number): number => {
    const v = t[name] ?? 0;
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max)
      throw new RollUpRequestError(`${field}.time.${name} is out of range.`);
    return v as number;
  };
  const clock = `${pad2(part('hours', 23))}:${pad2(part('minutes', 59))}:${pad2(part('seconds', 59))}`;
  part('nanos', 999_999_999);
  return `${text}T${clock}`;
}
