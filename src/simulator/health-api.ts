/** The Health API under /v4: identity, settings, paired devices, dataPoints list and reconcile. */
import { Cohort, DayRecord, SimulatedUser } from './cohort';
import { DataTypeDefinition, findDataType, SCOPES } from './data-types';
import { candidateDateRange, FilterError, matchesFilter, parseFilter } from './filter';
import { GoogleStatus, JsonBytes } from './http-util';
import { JsonWriter } from './json-writer';
import { dayEntries, JsonObject, PointEntry, PointOrigin } from './points';
import { hashSeed } from './prng';
import { addDays } from '../time';
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

export class HealthApi {
  /** The last list's filtered points of each generated day; lives as long as the cohort caches the day. */
  private readonly listedDays = new WeakMap<DayRecord, { key: string; entries: PointEntry[] }>();

  constructor(
    private readonly cohort: Cohort,
    private readonly now: () => number,
    private readonly pageTokenTtlMs: number,
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
    const lastWeighIn = this.lastScaleWeighIn(user);
    if (user.ownsScale && lastWeighIn !== null) {
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
      const entries = dayEntries(user, record, dataType.id).filter(
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
