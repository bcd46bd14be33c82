import { isAscii } from 'node:buffer';
import type { Environment } from '../../config/environment';
import type { RequestBudget } from './request-budget';
import { FIRST_RETRY_MS, parseRetryAfter, retryDelayMs, TransientFailure } from './retry-policy';
import { DataTypeId } from './data-types';
import { GoogleApiError } from './google-health-source';
import { cutPage } from './json-page';
import { readRollUpBytes } from './roll-up-bytes';
import { parseRollUpPage, rollUpBody, RollUpPage, RollUpQuery, RollUpWindow } from './roll-ups';
import {
  DataPointsPage,
  MalformedResponseError,
  parseDataPointsPage,
  parseDataPointsPieces,
  PointsByDataType,
} from './points';
import type { GoogleResponse } from '../../metrics/metrics';
import type { WearableConnection } from '../wearable-connection.entity';

/** One `dataPoints` list call, followed to its last page. */
export interface DataPointsQuery {
  dataType: DataTypeId;
  filter: string;
  pageSize: number;
  /** `users/me/dataSourceFamilies/...`, or null for every source. */
  dataSourceFamily: string | null;
}

export interface PairedDevice {
  deviceType: string | null;
  batteryLevel: number | null;
  lastSyncTime: number | null;
}

/** Tokens for one connection, and a new one after a 401. */
export interface TokenSupply {
  /** `known`: the connection's row as the caller just read it, so it is not read again. */
  accessToken(connectionId: number, known?: WearableConnection): Promise<string>;
  refreshAfterUnauthorized(connectionId: number): Promise<string>;
}

/** Who the calls are for, and that patient's own request budget. */
export interface ReadContext {
  connectionId: number;
  userBudget: RequestBudget;
  /**
   * The access token this sync last used and when it was read: reused for
   * {@link TOKEN_REUSE_MS} rather than read and decrypted again for each of
   * a sync's requests (well inside the 5-minute expiry margin).
   */
  token?: { value: string; readAt: number };
  /**
   * The connection's row as the sync read it at its start: the first token is
   * taken from it rather than from another read of the row (later ones, past
   * {@link TOKEN_REUSE_MS}, read it afresh).
   */
  connection?: WearableConnection;
}

/** How long one sync reuses the access token it read. */
export const TOKEN_REUSE_MS = 60_000;

/** 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT: the patient did not grant what this data type needs. */
export class ScopeInsufficientError extends Error {
  constructor(readonly dataType: DataTypeId | null) {
    super(`Google refused ${dataType ?? 'the request'}: scope not granted`);
    this.name = 'ScopeInsufficientError';
  }
}

/** Retries ran out (429, 5xx, timeouts); `retryAfterMs` when Google said how long to wait. */
export class GoogleHealthUnavailableError extends Error {
  constructor(
    readonly reason: string,
    readonly retryAfterMs: number | null,
  ) {
    super(`Google Health API unavailable: ${reason}`);
    this.name = 'GoogleHealthUnavailableError';
  }
}

class PageTokenExpiredError extends Error {}

/** Restarting a list whose page token expired twice in a row would likely loop. */
const PAGE_TOKEN_RESTARTS = 2;

/**
 * Reads data points and paired devices from the Google Health API within a
 * per-user and a per-project budget. Retries 429 (Retry-After, else backoff
 * with jitter), 5xx and timeouts a bounded number of times; refreshes the token
 * once after a 401. Errors carry statuses and Google's reasons, never tokens
 * or values.
 */
export class GoogleHealthReader {
  /** First backoff step; tests shorten it. */
  firstRetryMs = FIRST_RETRY_MS;
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms));
  random: () => number = Math.random;
  /** Requests sent, for the benchmark and the logs. */
  requests = 0;
  /** Told how each request ended (the metrics); never given the URL, user or body. */
  onResponse: (response: GoogleResponse) => void = () => undefined;

  constructor(
    private readonly env: Pick<
      Environment,
      'GOOGLE_HEALTH_API_BASE_URL' | 'GOOGLE_HEALTH_TIMEOUT_MS'
    >,
    private readonly tokens: TokenSupply,
    private readonly projectBudget: RequestBudget,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  /** Every point of the query, all pages, each once; a page token that expires restarts from page one. */
  async list<K extends DataTypeId>(
    context: ReadContext,
    query: DataPointsQuery & { dataType: K },
  ): Promise<PointsByDataType[K][]> {
    for (let restart = 0; ; restart++) {
      const points: PointsByDataType[K][] = [];
      let pageToken: string | null = null;
      try {
        do {
          const params = new URLSearchParams({
            filter: query.filter,
            pageSize: String(query.pageSize),
          });
          if (query.dataSourceFamily) params.set('dataSourceFamily', query.dataSourceFamily);
          if (pageToken) params.set('pageToken', pageToken);
          const page: DataPointsPage<K> = await this.get(
            context,
            `users/me/dataTypes/${query.dataType}/dataPoints?${params.toString()}`,
            query.dataType,
            pageToken !== null,
            (body) => readPage(query.dataType, body),
          );
          for (const point of page.points) points.push(point);
          pageToken = page.nextPageToken;
        } while (pageToken !== null);
        return withoutRepeats(points);
      } catch (error) {
        if (error instanceof PageTokenExpiredError && restart < PAGE_TOKEN_RESTARTS) continue;
        if (error instanceof PageTokenExpiredError)
          throw new GoogleApiError(400, 'PAGE_TOKEN_EXPIRED');
        throw error;
      }
    }
  }

  /**
   * Every window of a `dataPoints:rollUp` over the query's range, all pages,
   * validated in order across pages; a page token that expires restarts it.
   */
  async rollUp(context: ReadContext, query: RollUpQuery): Promise<RollUpWindow[]> {
    for (let restart = 0; ; restart++) {
      const windows: RollUpWindow[] = [];
      let pageToken: string | null = null;
      let expectedStart = query.startTime;
      try {
        do {
          const page: RollUpPage = await this.get(
            context,
            `users/me/dataTypes/${query.dataType}/dataPoints:rollUp`,
            query.dataType,
            pageToken !== null,
            (body) => readRollUpPage(query, body, expectedStart),
            rollUpBody(query, pageToken),
          );
          for (const window of page.windows) windows.push(window);
          if (page.windows.length > 0)
            expectedStart = page.windows[page.windows.length - 1].endTime;
          pageToken = page.nextPageToken;
        } while (pageToken !== null);
        return windows;
      } catch (error) {
        if (error instanceof PageTokenExpiredError && restart < PAGE_TOKEN_RESTARTS) continue;
        if (error instanceof PageTokenExpiredError)
          throw new GoogleApiError(400, 'PAGE_TOKEN_EXPIRED');
        throw error;
      }
    }
  }

  /** The patient's devices, for the last device sync and the battery. */
  async pairedDevices(context: ReadContext): Promise<PairedDevice[]> {
    const body = await this.get(context, 'users/me/pairedDevices', null, false, (bytes) =>
      parseJson(decode(bytes)),
    );
    const list = (body as { pairedDevices?: unknown }).pairedDevices ?? [];
    if (!Array.isArray(list))
      throw new MalformedResponseError('pairedDevices', 'expected an array');
    return list.map((raw: unknown, i) => {
      if (typeof raw !== 'object' || raw === null)
        throw new MalformedResponseError(`pairedDevices[${i}]`, 'expected an object');
      const device = raw as Record<string, unknown>;
      const lastSync =
        typeof device.lastSyncTime === 'string' ? Date.parse(device.lastSyncTime) : NaN;
      return {
        deviceType: typeof device.deviceType === 'string' ? device.deviceType.slice(0, 32) : null,
        batteryLevel:
          typeof device.batteryLevel === 'number' && Number.isFinite(device.batteryLevel)
            ? Math.round(device.batteryLevel)
            : null,
        lastSyncTime: Number.isNaN(lastSync) ? null : lastSync,
      };
    });
  }

  private async token(context: ReadContext): Promise<string> {
    const now = Date.now();
    if (context.token && now - context.token.readAt < TOKEN_REUSE_MS) return context.token.value;
    const value = await this.tokens.accessToken(context.connectionId, context.connection);
    context.connection = undefined;
    context.token = { value, readAt: now };
    return value;
  }

  /**
   * One GET (a POST of `jsonBody` when given), retried as the policy says;
   * `read` parses a successful response's bytes.
   */
  private async get<T>(
    context: ReadContext,
    path: string,
    dataType: DataTypeId | null,
    hasPageToken: boolean,
    read: (body: Buffer) => T,
    jsonBody?: string,
  ): Promise<T> {
    const url = new URL(path, this.env.GOOGLE_HEALTH_API_BASE_URL.replace(/\/?$/, '/'));
    // Google indents its JSON unless told not to (Discovery: prettyPrint defaults to
    // true): whitespace would be a large share of every megabyte a sync reads and parses.
    url.searchParams.set('prettyPrint', 'false');
    let token = await this.token(context);
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const now = Date.now();
      const wait = Math.max(context.userBudget.reserve(now), this.projectBudget.reserve(now));
      if (wait > 0) await this.sleep(wait);
      let failure: TransientFailure;
      let response: Response | undefined;
      this.requests += 1;
      try {
        response = await this.fetchFn(url, {
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(jsonBody === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(jsonBody === undefined ? {} : { method: 'POST', body: jsonBody }),
          signal: AbortSignal.timeout(this.env.GOOGLE_HEALTH_TIMEOUT_MS),
          // Google answers these routes itself, and a bearer token follows no redirect.
          // Refusing them (no window, redirects an error) is also what lets undici
          // send the request as built instead of cloning it, and teeing a POST's body,
          // on every call.
          redirect: 'error',
          window: null,
        });
      } catch (error) {
        if (isRefusedRedirect(error)) throw new GoogleApiError(0, 'UNEXPECTED_REDIRECT');
        // Timeouts and connection resets alike: the request may simply be retried.
        response = undefined;
      }
      if (response === undefined) {
        this.onResponse('timeout');
        failure = { kind: 'timeout' };
      } else {
        const body = await response
          .arrayBuffer()
          .then((bytes) => Buffer.from(bytes))
          .catch(() => null);
        this.onResponse(responseKind(response.status, body !== null));
        if (response.ok) {
          if (body === null) failure = { kind: 'timeout' };
          else return read(body);
        } else {
          const text = body === null ? null : decode(body);
          const reason = errorReason(text);
          if (response.status === 401 && !refreshed) {
            refreshed = true;
            token = await this.tokens.refreshAfterUnauthorized(context.connectionId);
            context.token = { value: token, readAt: Date.now() };
            attempt -= 1;
            continue;
          }
          if (response.status === 403 && reason === 'ACCESS_TOKEN_SCOPE_INSUFFICIENT')
            throw new ScopeInsufficientError(dataType);
          if (response.status === 400 && hasPageToken && /page token/i.test(text ?? ''))
            throw new PageTokenExpiredError();
          if (response.status === 429) {
            failure = {
              kind: 'rate-limited',
              retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
            };
          } else if (response.status >= 500) {
            failure = { kind: 'server-error' };
          } else {
            throw new GoogleApiError(response.status, reason);
          }
        }
      }
      const delay = retryDelayMs(attempt, failure, this.random(), this.firstRetryMs);
      if (delay === null) {
        throw new GoogleHealthUnavailableError(
          `${failure.kind} after ${attempt} attempt(s)`,
          failure.kind === 'rate-limited' ? failure.retryAfterMs : null,
        );
      }
      await this.sleep(delay);
    }
  }
}

/**
 * A point Google sends twice (pages shifting under newly synced data, a retried
 * page) is still one reading: counted twice it would double steps and coverage.
 * Points are flat records of primitives, so equal values mean the same reading.
 * Repeats share their instant (or date), so only points at the same one are
 * compared: a heart-rate page holds thousands of points.
 */
function withoutRepeats<T extends object>(points: T[]): T[] {
  const seen = new Map<unknown, T | T[]>();
  return points.filter((point) => {
    const anchor = anchorOf(point);
    const known = seen.get(anchor);
    if (known === undefined) {
      seen.set(anchor, point);
      return true;
    }
    const same = Array.isArray(known) ? known : [known];
    if (same.some((other) => sameValues(other, point))) return false;
    same.push(point);
    seen.set(anchor, same);
    return true;
  });
}

/** A sample's instant, an interval's start or a daily reading's date. */
function anchorOf(point: object): unknown {
  const p = point as { time?: number; startTime?: number; date?: string };
  return p.time ?? p.startTime ?? p.date;
}

/** Points of one list come from one parser, so they have the same fields in the same order. */
function sameValues(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key in x) if (x[key] !== y[key]) return false;
  return true;
}

/** A page of points, cut in pieces when it is large (json-page.ts), else parsed whole. */
function readPage<K extends DataTypeId>(dataType: K, body: Buffer): DataPointsPage<K> {
  const cut = cutPage(body);
  const page = cut && parseDataPointsPieces(dataType, cut.envelope, cut.pieces);
  return page ?? parseDataPointsPage(dataType, parseJson(decode(body)));
}

/** A roll-up page read from its bytes when laid out as Google writes it (roll-up-bytes.ts), else parsed whole. */
function readRollUpPage(query: RollUpQuery, body: Buffer, expectedStart: number): RollUpPage {
  return (
    readRollUpBytes(query, body, expectedStart) ??
    parseRollUpPage(query, parseJson(decode(body)), expectedStart)
  );
}

/**
 * Pages are megabytes of ASCII. For ASCII, Latin-1 gives the same string as
 * UTF-8, and Node 20 decodes it about twenty times faster (a copy, where UTF-8
 * decoding costs ~4 ms a megabyte); anything else is decoded as UTF-8.
 */
function decode(body: Buffer): string {
  return isAscii(body) ? body.toString('latin1') : body.toString('utf8');
}

/** undici's network error for a redirect under `redirect: 'error'` (read by shape: it comes from Node's own realm). */
function isRefusedRedirect(error: unknown): boolean {
  const cause = (error as { cause?: { message?: unknown } } | null)?.cause;
  return cause?.message === 'unexpected redirect';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new MalformedResponseError('response', 'expected JSON');
  }
}

/** Google's reason (`RATE_LIMIT_EXCEEDED`...) or status, from the error envelope. */
function errorReason(text: string | null): string {
  try {
    const body = JSON.parse(text ?? '') as {
      error?: { status?: unknown; details?: { reason?: unknown }[] };
    };
    const reason = body.error?.details?.find((d) => typeof d.reason === 'string')?.reason;
    const value = reason ?? body.error?.status;
    return typeof value === 'string' ? value.slice(0, 64) : 'UNKNOWN';
  } catch {
    return 'UNKNOWN';
  }
}

function responseKind(status: number, bodyRead: boolean): GoogleResponse {
  if (!bodyRead) return 'timeout';
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'server_error' : 'client_error';
}
