import { Simulator, startSimulator } from './server';

describe('fault injection', () => {
  let sim: Simulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ now: '2026-11-28T15:00:00Z', cohortSize: 4, historyDays: 10 });
    token = sim.grantTokens('sim-1').access_token;
  });
  afterEach(() => sim.faults.clear());
  afterAll(() => sim.close());

  const identity = (bearer = token, init: RequestInit = {}): Promise<Response> =>
    fetch(`${sim.url}/v4/users/me/identity`, {
      ...init,
      headers: { Authorization: `Bearer ${bearer}` },
    });

  it('answers 429 with Retry-After for the next N requests, then recovers', async () => {
    sim.faults.add({ kind: 'rate-limit', count: 2, retryAfterSeconds: 7 });
    const first = await identity();
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(await first.json()).toMatchObject({
      error: { status: 'RESOURCE_EXHAUSTED', details: [{ reason: 'RATE_LIMIT_EXCEEDED' }] },
    });
    expect((await identity()).status).toBe(429);
    expect((await identity()).status).toBe(200);
  });

  it('answers 429 without Retry-After, 500 and 503', async () => {
    sim.faults.add({ kind: 'rate-limit', count: 1 });
    sim.faults.add({ kind: 'server-error', count: 1 });
    sim.faults.add({ kind: 'unavailable', count: 1 });
    const limited = await identity();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect((await identity()).status).toBe(500);
    const unavailable = await identity();
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE' } });
  });

  it('targets one user and one data type only', async () => {
    sim.faults.add({ kind: 'server-error', userId: 'sim-2', dataType: 'steps' });
    expect(
      (
        await fetch(`${sim.url}/v4/users/me/dataTypes/steps/dataPoints?pageSize=1`, {
          headers: { Authorization: `Bearer ${token}` },
        })
      ).status,
    ).toBe(200);
    const other = sim.grantTokens('sim-2').access_token;
    expect(
      (
        await fetch(`${sim.url}/v4/users/me/dataTypes/steps/dataPoints?pageSize=1`, {
          headers: { Authorization: `Bearer ${other}` },
        })
      ).status,
    ).toBe(500);
    expect(
      (
        await fetch(`${sim.url}/v4/users/me/dataTypes/sleep/dataPoints?pageSize=1`, {
          headers: { Authorization: `Bearer ${other}` },
        })
      ).status,
    ).toBe(200);
  });

  it('delays slow responses and never answers timeouts', async () => {
    sim.faults.add({ kind: 'slow', delayMs: 300, count: 1 });
    const started = Date.now();
    expect((await identity()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    sim.faults.add({ kind: 'timeout', count: 1 });
    await expect(identity(token, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect((await identity()).status).toBe(200);
  });

  it('sends malformed JSON, 401 and 403 on demand', async () => {
    sim.faults.add({ kind: 'malformed-json', count: 1 });
    sim.faults.add({ kind: 'unauthenticated', count: 1 });
    sim.faults.add({ kind: 'scope-insufficient', count: 1 });
    const malformed = await identity();
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow();
    expect((await identity()).status).toBe(401);
    const forbidden = await identity();
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({
      error: { details: [{ reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' }] },
    });
  });

  it('expires the next page token that is presented', async () => {
    sim.faults.add({ kind: 'expired-page-token', count: 1 });
    const url = `${sim.url}/v4/users/me/dataTypes/heart-rate/dataPoints?pageSize=5`;
    const first = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(first.status).toBe(200);
    const { nextPageToken } = (await first.json()) as { nextPageToken: string };
    const second = await fetch(`${url}&pageToken=${nextPageToken}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({
      error: { status: 'INVALID_ARGUMENT', message: 'The page token has expired.' },
    });
  });

  it('fails the token endpoint when targeted', async () => {
    sim.faults.add({ kind: 'unavailable', target: 'token', count: 1 });
    const response = await fetch(`${sim.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token' }),
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it('is scriptable over HTTP at /__sim/faults', async () => {
    const created = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'rate-limit', count: 1, retryAfterSeconds: 2, userId: 'sim-1' }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      id: expect.any(Number),
      kind: 'rate-limit',
      target: 'api',
    });
    expect(
      (await (await fetch(`${sim.url}/__sim/faults`)).json()) as { faults: unknown[] },
    ).toMatchObject({ faults: [{ kind: 'rate-limit' }] });
    expect((await identity()).status).toBe(429);
    const invalid = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'meteor' }),
    });
    expect(invalid.status).toBe(400);
  });

  it('enforces the per-user quota of 300 requests per minute', async () => {
    const small = await startSimulator({ cohortSize: 1, rateLimitPerUserPerMinute: 3 });
    const bearer = small.grantTokens('sim-1').access_token;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (
          await fetch(`${small.url}/v4/users/me/identity`, {
            headers: { Authorization: `Bearer ${bearer}` },
          })
        ).status,
      );
    }
    await small.close();
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
