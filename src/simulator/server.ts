/**
 * The Google OAuth + Google Health API simulator: one node:http server with the
 * same paths and JSON as Google, plus test hooks under /__sim.
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Cohort } from './cohort';
import { ALL_SCOPES } from './data-types';
import { Fault, FaultError, FaultInjector, FaultTarget, parseFaultSpec } from './faults';
import {
  FITBIT_CADENCE_SECONDS,
  isHeartRateCadence,
  MINUTE_CADENCE_SECONDS,
} from './heart-rate-cadence';
import { ApiAnswer, ApiError, HealthApi } from './health-api';
import {
  BodyTooLargeError,
  escapeHtml,
  readBody,
  redirect,
  sendGoogleError,
  sendHtml,
  sendJson,
} from './http-util';
import { OAuthClient, OAuthError, OAuthServer, TokenResponse } from './oauth';
import { parseScenario, Scenario, ScenarioError } from './scenarios';
import { addDays, DAY_MS } from '../time';
import { SimulatorClock } from './time';
import { WebhookNotification, WebhookSigner } from './webhooks';

export interface SimulatorOptions {
  /** 0 = a random free port (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  seed?: string;
  /** Number of simulated users, `sim-1` .. `sim-N` (default 20). */
  cohortSize?: number;
  /** Freezes the simulated clock at this instant; absent = real time. */
  now?: Date | string | number;
  /** Days of history before the clock's start date (default 90). */
  historyDays?: number;
  /** Generated user-days kept in memory (default 512). */
  cacheSize?: number;
  /** OAuth clients; default one client, DEFAULT_CLIENT. */
  clients?: OAuthClient[];
  /** Scenarios per simulator user id. */
  scenarios?: Record<string, Scenario[]>;
  /** Lifetime of a page token in simulated time (default 10 minutes). */
  pageTokenTtlMs?: number;
  /** Google's per-user quota (default 300 per minute of real time; 0 = off). */
  rateLimitPerUserPerMinute?: number;
  /**
   * Seconds between heart-rate samples while worn (denser during exercise):
   * Fitbit's 5 by default, 60 (one a minute) when `clean`.
   */
  heartRateCadenceSeconds?: number;
  /**
   * Tidy data for tests that need exact numbers (the rule fixtures' scenarios):
   * one heart-rate sample a minute and no messy habits (habits.ts). Default
   * false: the cohort is as messy as real devices.
   */
  clean?: boolean;
}

export const DEFAULT_CLIENT: OAuthClient = {
  clientId: 'vigil-simulator.apps.googleusercontent.com',
  clientSecret: 'vigil-simulator-secret',
  redirectUris: [],
};

export interface RequestStats {
  total: number;
  byRoute: Record<string, number>;
  byUser: Record<string, number>;
  /** Bytes of the Health API's successful answers, per user. */
  bytesByUser: Record<string, number>;
}

export interface Simulator {
  url: string;
  close(): Promise<void>;
  clock: SimulatorClock;
  cohort: Cohort;
  faults: FaultInjector;
  oauth: OAuthServer;
  webhooks: WebhookSigner;
  /** Requests served since start or the last `resetStats()`. */
  stats(): RequestStats;
  resetStats(): void;
  /** Tokens for a user without the browser dance (default: every Vigil scope). */
  grantTokens(userId: string, scopes?: readonly string[], clientId?: string): TokenResponse;
  /** Sends a signed notification for a simulated user to a webhook endpoint. */
  notify(
    url: string,
    secret: string,
    notification: Omit<WebhookNotification, 'healthUserId'> & { userId: string },
  ): Promise<{ status: number; body: string }>;
}

type Handler = (
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
) => Promise<unknown> | unknown;

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function parseJson(buffer: Buffer): unknown {
  if (buffer.length === 0) return {};
  return JSON.parse(buffer.toString('utf8')) as unknown;
}

function basicAuth(header: string | undefined): { id: string; secret: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return {
    id: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = new SimulatorClock(options.now);
  const startDate = new Date(clock.now()).toISOString().slice(0, 10);
  const cohort = new Cohort({
    seed: options.seed ?? 'vigil',
    size: options.cohortSize ?? 20,
    historyStartDate: addDays(startDate, -(options.historyDays ?? 90)),
    cacheSize: options.cacheSize ?? 512,
    now: () => clock.now(),
    clean: options.clean === true,
  });
  for (const [userId, scenarios] of Object.entries(options.scenarios ?? {}))
    cohort.setScenarios(userId, scenarios);
  const oauth = new OAuthServer(options.clients ?? [DEFAULT_CLIENT], () => clock.now());
  const faults = new FaultInjector();
  const webhooks = new WebhookSigner();
  const cadence =
    options.heartRateCadenceSeconds ??
    (options.clean === true ? MINUTE_CADENCE_SECONDS : FITBIT_CADENCE_SECONDS);
  if (!isHeartRateCadence(cadence))
    throw new RangeError('heartRateCadenceSeconds must divide a minute (1..60 s)');
  const api = new HealthApi(
    cohort,
    () => clock.now(),
    options.pageTokenTtlMs ?? 10 * 60_000,
    cadence,
  );
  const rateLimit = options.rateLimitPerUserPerMinute ?? 300;
  const rateWindows = new Map<string, { windowStart: number; count: number }>();
  let stats: RequestStats = { total: 0, byRoute: {}, byUser: {}, bytesByUser: {} };

  const count = (route: string, userId?: string): void => {
    stats.total += 1;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    if (userId) stats.byUser[userId] = (stats.byUser[userId] ?? 0) + 1;
  };

  const overRateLimit = (userId: string): boolean => {
    if (rateLimit <= 0) return false;
    const now = Date.now();
    let window = rateWindows.get(userId);
    if (!window || now - window.windowStart >= 60_000) {
      window = { windowStart: now, count: 0 };
      rateWindows.set(userId, window);
    }
    window.count += 1;
    return window.count > rateLimit;
  };

  /** Applies a fault; returns true when the request has been answered (or must hang). */
  const applyFault = async (
    fault: Fault | undefined,
    target: FaultTarget,
    response: ServerResponse,
  ): Promise<boolean> => {
    if (!fault) return false;
    const oauthStyle = target === 'token';
    switch (fault.kind) {
      case 'slow':
        await delay(fault.delayMs ?? 2000);
        return false;
      case 'timeout':
        return true;
      case 'malformed-json':
        response.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8' });
        response.end('{"dataPoints":[{"heartRate":{"beatsPerMinute":"6');
        return true;
      case 'rate-limit': {
        const headers: Record<string, string> =
          fault.retryAfterSeconds !== undefined
            ? { 'Retry-After': String(fault.retryAfterSeconds) }
            : {};
        if (oauthStyle)
          sendJson(
            response,
            429,
            { error: 'rate_limit_exceeded', error_description: 'Rate limit exceeded.' },
            headers,
          );
        else
          sendGoogleError(
            response,
            429,
            'RESOURCE_EXHAUSTED',
            'Quota exceeded for quota metric requests per minute per user.',
            'RATE_LIMIT_EXCEEDED',
            headers,
          );
        return true;
      }
      case 'server-error':
        if (oauthStyle)
          sendJson(response, 500, {
            error: 'internal_failure',
            error_description: 'Backend Error',
          });
        else sendGoogleError(response, 500, 'INTERNAL', 'Internal error encountered.');
        return true;
      case 'unavailable':
        if (oauthStyle)
          sendJson(response, 503, {
            error: 'temporarily_unavailable',
            error_description: 'Service unavailable.',
          });
        else sendGoogleError(response, 503, 'UNAVAILABLE', 'The service is currently unavailable.');
        return true;
      case 'expired-page-token':
        sendGoogleError(response, 400, 'INVALID_ARGUMENT', 'The page token has expired.');
        return true;
      case 'unauthenticated':
        sendGoogleError(
          response,
          401,
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials.',
          'ACCESS_TOKEN_EXPIRED',
        );
        return true;
      case 'scope-insufficient':
        sendGoogleError(
          response,
          403,
          'PERMISSION_DENIED',
          'Request had insufficient authentication scopes.',
          'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
        );
        return true;
    }
  };

  const authorize: Handler = (_request, response, url) => {
    const params = url.searchParams;
    const client = oauth.client(params.get('client_id') ?? '');
    if (!client) {
      sendHtml(
        response,
        401,
        '<h1>Error 401: invalid_client</h1><p>The OAuth client was not found.</p>',
      );
      return;
    }
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!oauth.redirectUriAllowed(client, redirectUri)) {
      sendHtml(response, 400, '<h1>Error 400: redirect_uri_mismatch</h1>');
      return;
    }
    const back = (extra: Record<string, string>): void => {
      const target = new URL(redirectUri);
      for (const [key, value] of Object.entries(extra)) target.searchParams.set(key, value);
      const state = params.get('state');
      if (state !== null) target.searchParams.set('state', state);
      redirect(response, target.toString());
    };
    if (params.get('response_type') !== 'code') {
      back({ error: 'unsupported_response_type' });
      return;
    }
    const requested = (params.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (requested.length === 0) {
      sendHtml(
        response,
        400,
        '<h1>Error 400: invalid_request</h1><p>Missing required parameter: scope</p>',
      );
      return;
    }
    const challenge = params.get('code_challenge');
    if (challenge !== null && (params.get('code_challenge_method') ?? 'plain') !== 'S256') {
      back({ error: 'invalid_request', error_description: 'code_challenge_method must be S256' });
      return;
    }
    if (params.get('sim_deny') === '1') {
      back({ error: 'access_denied' });
      return;
    }
    const userId = params.get('sim_user');
    if (params.get('sim_auto') === '1' && userId) {
      const user = cohort.user(userId);
      if (!user) {
        sendHtml(response, 400, `<h1>Unknown simulated user ${escapeHtml(userId)}</h1>`);
        return;
      }
      const ticked = [
        ...params.getAll('sim_scope'),
        ...(params.get('sim_scopes') ?? '').split(/[\s,]+/),
      ].filter(Boolean);
      const chosen =
        params.has('sim_scopes') || params.has('sim_scope')
          ? requested.filter((s) => ticked.includes(s))
          : requested;
      const code = oauth.issueCode({
        clientId: client.clientId,
        redirectUri,
        userId: user.id,
        scopes: chosen,
        codeChallenge: challenge,
        offline: params.get('access_type') === 'offline',
        includeGrantedScopes: params.get('include_granted_scopes') === 'true',
      });
      back({ code, scope: chosen.join(' ') });
      return;
    }
    const hidden = [...params.entries()]
      .filter(([key]) => !key.startsWith('sim_'))
      .map(
        ([key, value]) =>
          `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(value)}">`,
      )
      .join('');
    const options = cohort
      .users(0, 50)
      .map(
        (user) =>
          `<option value="${user.id}">${user.id} (${escapeHtml(user.homeTimeZone)})</option>`,
      )
      .join('');
    const scopeBoxes = requested
      .map(
        (scope) =>
          `<label><input type="checkbox" name="sim_scope" value="${escapeHtml(scope)}" checked> ${escapeHtml(scope)}</label><br>`,
      )
      .join('');
    sendHtml(
      response,
      200,
      `<!doctype html><html><head><meta name="viewport" content="width=device-width"><title>Sign in - Google Accounts (simulator)</title></head>
<body><h1>Google Health API simulator</h1><p>Choose a simulated user and the access to grant.</p>
<form method="get" action="/o/oauth2/v2/auth">${hidden}<input type="hidden" name="sim_auto" value="1"><input type="hidden" name="sim_scopes" value="">
<p><label>User <input name="sim_user" list="sim-users" value="sim-1" required></label><datalist id="sim-users">${options}</datalist></p>
<fieldset><legend>Scopes</legend>${scopeBoxes}</fieldset>
<p><button type="submit">Allow</button> <button type="submit" name="sim_deny" value="1">Deny</button></p></form></body></html>`,
    );
  };

  const token: Handler = async (request, response) => {
    const fault = faults.take({ target: 'token', hasPageToken: false });
    if (await applyFault(fault, 'token', response)) return;
    const body = await readBody(request);
    const contentType = request.headers['content-type'] ?? '';
    const params = contentType.includes('application/json')
      ? new URLSearchParams(Object.entries(parseJson(body) as Record<string, string>))
      : new URLSearchParams(body.toString('utf8'));
    try {
      sendJson(response, 200, oauth.token(params, basicAuth(request.headers.authorization)));
    } catch (error) {
      if (error instanceof OAuthError) sendJson(response, error.status, error.body);
      else throw error;
    }
  };

  const revoke: Handler = async (request, response, url) => {
    const body = new URLSearchParams((await readBody(request)).toString('utf8'));
    const value = body.get('token') ?? url.searchParams.get('token') ?? '';
    if (oauth.revokeToken(value)) sendJson(response, 200, {});
    else
      sendJson(response, 400, {
        error: 'invalid_token',
        error_description: 'Token expired or revoked',
      });
  };

  const healthApi: Handler = async (request, response, url) => {
    const match =
      /^\/v4\/users\/([^/]+)\/(identity|settings|pairedDevices|dataTypes\/([^/:]+)\/dataPoints(:reconcile|:rollUp|:dailyRollUp)?)$/.exec(
        url.pathname,
      );
    const rollUp = match?.[4] === ':rollUp' || match?.[4] === ':dailyRollUp';
    if (!match || request.method !== (rollUp ? 'POST' : 'GET')) {
      sendGoogleError(
        response,
        404,
        'NOT_FOUND',
        `Method not found: ${request.method} ${url.pathname}`,
      );
      return;
    }
    const header = request.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) {
      sendGoogleError(
        response,
        401,
        'UNAUTHENTICATED',
        'Request is missing required authentication credential.',
        'CREDENTIALS_MISSING',
      );
      return;
    }
    const lookup = oauth.lookup(header.slice(7));
    if (lookup === 'expired' || lookup === 'unknown') {
      sendGoogleError(
        response,
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token.',
        lookup === 'expired' ? 'ACCESS_TOKEN_EXPIRED' : 'ACCESS_TOKEN_INVALID',
      );
      return;
    }
    const user = cohort.user(lookup.userId);
    if (!user) {
      sendGoogleError(
        response,
        400,
        'INVALID_ARGUMENT',
        'The user has no Google Health profile.',
        'ACCOUNT_NOT_LINKED',
      );
      return;
    }
    const [, usersId, resource, dataTypeId, method] = match;
    const reconcile = method === ':reconcile' ? method : undefined;
    const route = dataTypeId ? (method ? method.slice(1) : 'dataPoints') : resource;
    let rollUpBody: unknown = null;
    if (rollUp) {
      try {
        rollUpBody = parseJson(await readBody(request));
      } catch {
        sendGoogleError(response, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
        return;
      }
    }
    count(`api:${route}${dataTypeId ? `:${dataTypeId}` : ''}`, user.id);
    if (usersId !== 'me' && usersId !== user.healthUserId) {
      sendGoogleError(response, 403, 'PERMISSION_DENIED', 'The caller does not have permission.');
      return;
    }
    const fault = faults.take({
      target: 'api',
      userId: user.id,
      healthUserId: user.healthUserId,
      dataType: dataTypeId,
      hasPageToken: rollUp
        ? typeof (rollUpBody as { pageToken?: unknown } | null)?.pageToken === 'string'
        : url.searchParams.has('pageToken'),
    });
    if (await applyFault(fault, 'api', response)) return;
    if (overRateLimit(user.id)) {
      sendGoogleError(
        response,
        429,
        'RESOURCE_EXHAUSTED',
        'Quota exceeded for quota metric requests per minute per user.',
        'RATE_LIMIT_EXCEEDED',
      );
      return;
    }
    try {
      let answer: ApiAnswer;
      const dataType = dataTypeId ? api.dataType(dataTypeId) : undefined;
      const kind = dataTypeId
        ? 'dataPoints'
        : (resource as 'identity' | 'settings' | 'pairedDevices');
      if (!api.requiredScopes(kind, dataType).some((scope) => lookup.scopes.includes(scope))) {
        throw new ApiError(
          403,
          'PERMISSION_DENIED',
          'Request had insufficient authentication scopes.',
          'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
        );
      }
      if (kind === 'identity') answer = api.identity(user);
      else if (kind === 'settings') answer = api.settings(user);
      else if (kind === 'pairedDevices') answer = api.pairedDevices(user);
      else if (rollUp)
        answer = api.rollUp(user, {
          dataTypeId,
          daily: method === ':dailyRollUp',
          body: rollUpBody,
        });
      else
        answer = api.list(user, {
          dataTypeId,
          reconcile: reconcile !== undefined,
          query: url.searchParams,
        });
      const bytes = sendJson(response, answer.status, answer.body);
      stats.bytesByUser[user.id] = (stats.bytesByUser[user.id] ?? 0) + bytes;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      sendGoogleError(response, error.code, error.status, error.message, error.reason);
    }
  };

  const admin: Handler = async (request, response, url) => {
    const path = url.pathname.slice('/__sim'.length);
    const method = request.method ?? 'GET';
    const body = method === 'POST' || method === 'PUT' ? parseJson(await readBody(request)) : {};
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const userMatch = /^\/users\/([^/]+)(\/scenarios|\/revoke)?$/.exec(path);
    if (method === 'GET' && path === '/health')
      return sendJson(response, 200, { ok: true, now: new Date(clock.now()).toISOString() });
    if (path === '/clock') {
      if (method === 'POST') {
        if (typeof input.now === 'string') clock.set(input.now);
        if (typeof input.advanceMs === 'number') clock.advance(input.advanceMs);
        if (typeof input.advanceDays === 'number') clock.advance(input.advanceDays * DAY_MS);
      }
      return sendJson(response, 200, { now: new Date(clock.now()).toISOString() });
    }
    if (method === 'GET' && path === '/users') {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Math.min(500, Number(url.searchParams.get('limit') ?? 50));
      return sendJson(response, 200, {
        size: cohort.size,
        users: cohort.users(offset, limit).map((user) => ({
          ...user,
          scenarios: cohort.scenarios(user.id),
          habits: cohort.habits(user),
          illnesses: cohort.illnesses(user),
        })),
      });
    }
    if (userMatch) {
      const user = cohort.user(userMatch[1]);
      if (!user) return sendJson(response, 404, { error: `unknown user ${userMatch[1]}` });
      if (userMatch[2] === '/revoke' && method === 'POST')
        return sendJson(response, 200, { revokedGrants: oauth.revokeUser(user.id) });
      if (userMatch[2] === '/scenarios' && method === 'POST') {
        const list = Array.isArray(input.scenarios) ? input.scenarios : [input];
        cohort.setScenarios(user.id, [
          ...(input.replace === true ? [] : cohort.scenarios(user.id)),
          ...list.map(parseScenario),
        ]);
      }
      if (userMatch[2] === '/scenarios' && method === 'DELETE') cohort.setScenarios(user.id, []);
      return sendJson(response, 200, {
        ...user,
        scenarios: cohort.scenarios(user.id),
        habits: cohort.habits(user),
        illnesses: cohort.illnesses(user),
        lastSyncTime: new Date(cohort.lastSyncTime(user)).toISOString(),
      });
    }
    if (path === '/faults') {
      if (method === 'POST') return sendJson(response, 201, faults.add(parseFaultSpec(input)));
      if (method === 'DELETE') faults.clear();
      return sendJson(response, 200, { faults: faults.list() });
    }
    if (method === 'POST' && path === '/tokens') {
      const user = cohort.user(String(input.userId ?? ''));
      if (!user) return sendJson(response, 404, { error: 'unknown userId' });
      const scopes = Array.isArray(input.scopes) ? input.scopes.map(String) : ALL_SCOPES;
      return sendJson(
        response,
        200,
        oauth.grant(
          String(input.clientId ?? (options.clients ?? [DEFAULT_CLIENT])[0].clientId),
          user.id,
          scopes,
        ),
      );
    }
    if (method === 'POST' && path === '/tokens/expire') {
      return sendJson(response, 200, {
        expired: oauth.expireAccessTokens(
          typeof input.userId === 'string' ? input.userId : undefined,
        ),
      });
    }
    if (path === '/stats') {
      if (method === 'DELETE') {
        stats = { total: 0, byRoute: {}, byUser: {}, bytesByUser: {} };
        oauth.resetCounters();
      }
      return sendJson(response, 200, {
        ...stats,
        tokenRequests: oauth.tokenRequests(),
        cachedDays: cohort.cachedDayCount(),
      });
    }
    if (method === 'GET' && path === '/webhook-keyset')
      return sendJson(response, 200, webhooks.keyset());
    if (method === 'POST' && path === '/webhook-keyset/rotate')
      return sendJson(response, 200, { keyId: webhooks.rotate() });
    if (method === 'POST' && path === '/webhooks/verify') {
      return sendJson(
        response,
        200,
        await webhooks.verifyEndpoint(String(input.url), String(input.secret)),
      );
    }
    if (method === 'POST' && path === '/webhooks/notify') {
      const user = cohort.user(String(input.userId ?? ''));
      if (!user) return sendJson(response, 404, { error: 'unknown userId' });
      const now = clock.now();
      const delivery = await webhooks.notify(String(input.url), String(input.secret), [
        {
          healthUserId: user.healthUserId,
          dataType: String(input.dataType ?? 'steps'),
          operation: input.operation === 'DELETE' ? 'DELETE' : 'UPSERT',
          intervals: Array.isArray(input.intervals)
            ? (input.intervals as Array<{ startTime: string; endTime: string }>)
            : [
                {
                  startTime: new Date(now - 3_600_000).toISOString(),
                  endTime: new Date(now).toISOString(),
                },
              ],
          ...(typeof input.subscriptionName === 'string'
            ? { clientProvidedSubscriptionName: input.subscriptionName }
            : {}),
        },
      ]);
      return sendJson(response, 200, delivery);
    }
    sendJson(response, 404, { error: `no admin route ${method} ${url.pathname}` });
  };

  const index: Handler = (_request, response) => {
    sendHtml(
      response,
      200,
      `<!doctype html><html><body><h1>Google Health API simulator</h1><p>Cohort of ${cohort.size} users, seed ${escapeHtml(cohort.seed)}, now ${new Date(clock.now()).toISOString()}.</p>
<ul><li><a href="/__sim/users">/__sim/users</a></li><li><a href="/__sim/faults">/__sim/faults</a></li><li><a href="/__sim/stats">/__sim/stats</a></li><li><a href="/__sim/webhook-keyset">/__sim/webhook-keyset</a></li></ul></body></html>`,
    );
  };

  const route = (request: IncomingMessage, url: URL): Handler | undefined => {
    const method = request.method ?? 'GET';
    if (url.pathname === '/o/oauth2/v2/auth' && method === 'GET') return authorize;
    if (url.pathname === '/token' && method === 'POST') return token;
    if (url.pathname === '/revoke' && method === 'POST') return revoke;
    if (url.pathname.startsWith('/v4/')) return healthApi;
    if (url.pathname.startsWith('/__sim/')) return admin;
    if (url.pathname === '/' && method === 'GET') return index;
    return undefined;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://simulator.local');
    const handler = route(request, url);
    if (!url.pathname.startsWith('/v4/'))
      count(url.pathname.startsWith('/__sim/') ? 'admin' : url.pathname);
    if (!handler) {
      sendJson(response, 404, { error: `not found: ${request.method} ${url.pathname}` });
      return;
    }
    Promise.resolve(handler(request, response, url)).catch((error: unknown) => {
      if (response.headersSent) return;
      if (error instanceof SyntaxError) sendJson(response, 400, { error: 'invalid JSON body' });
      else if (error instanceof BodyTooLargeError)
        sendJson(response, 413, { error: error.message });
      else if (error instanceof FaultError || error instanceof ScenarioError)
        sendJson(response, 400, { error: error.message });
      else sendGoogleError(response, 500, 'INTERNAL', 'Internal error encountered.');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    clock,
    cohort,
    faults,
    oauth,
    webhooks,
    stats: () => stats,
    resetStats: () => {
      stats = { total: 0, byRoute: {}, byUser: {}, bytesByUser: {} };
      oauth.resetCounters();
    },
    grantTokens: (
      userId,
      scopes = ALL_SCOPES,
      clientId = (options.clients ?? [DEFAULT_CLIENT])[0].clientId,
    ) => oauth.grant(clientId, userId, scopes),
    notify: (target, secret, { userId, ...notification }) => {
      const user = cohort.user(userId);
      if (!user) return Promise.reject(new Error(`unknown simulated user ${userId}`));
      return webhooks.notify(target, secret, [
        { ...notification, healthUserId: user.healthUserId },
      ]);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Requests held open by a `timeout` fault would otherwise keep the server alive.
        server.closeAllConnections();
      }),
  };
}
