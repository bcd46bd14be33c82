import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GoogleApiError } from './google-health-source';
import { GoogleHealthReader } from './health-api-reader';
import { MalformedResponseError, parseDataPointsPage } from './points';
import { RequestBudget } from './request-budget';
import { at, atInstant, everyMinute, heartRatePoint, later, page, stepsPoint } from './test-points';

/** A reader whose Google answers the given pages in turn. */
function readerServing(pages: unknown[]): GoogleHealthReader {
  let next = 0;
  const fetchFn = (async () =>
    new Response(JSON.stringify(pages[next++]), { status: 200 })) as unknown as typeof fetch;
  return new GoogleHealthReader(
    { GOOGLE_HEALTH_API_BASE_URL: 'https://health.example/v4/', GOOGLE_HEALTH_TIMEOUT_MS: 1000 },
    { accessToken: async () => 'token', refreshAfterUnauthorized: async () => 'token' },
    new RequestBudget(1000),
    fetchFn,
  );
}

const context = { connectionId: 1, userBudget: new RequestBudget(1000) };
const query = { filter: 'x', pageSize: 2, dataSourceFamily: null };

describe('GoogleHealthReader requests', () => {
  it('ask Google for JSON without indentation, on every route', async () => {
    const urls: URL[] = [];
    const fetchFn = (async (url: URL) => {
      urls.push(url);
      return new Response(JSON.stringify({}), { status: 200 });
    }) as unknown as typeof fetch;
    const reader = new GoogleHealthReader(
      { GOOGLE_HEALTH_API_BASE_URL: 'https://health.example/v4', GOOGLE_HEALTH_TIMEOUT_MS: 1000 },
      { accessToken: async () => 'token', refreshAfterUnauthorized: async () => 'token' },
      new RequestBudget(1000),
      fetchFn,
    );
    await reader.list(context, { ...query, dataType: 'steps' });
    await reader.pairedDevices(context);
    const start = Date.UTC(2026, 2, 2);
    await reader
      .rollUp(context, {
        dataType: 'steps',
        startTime: start,
        endTime: start,
        windowSeconds: 60,
        pageSize: 10,
        dataSourceFamily: null,
      })
      .catch(() => undefined);
    expect(urls.map((url) => url.searchParams.get('prettyPrint'))).toEqual([
      'false',
      'false',
      'false',
    ]);
    expect(urls[0].searchParams.get('filter')).toBe('x');
    expect(urls.map((url) => url.pathname)).toEqual([
      '/v4/users/me/dataTypes/steps/dataPoints',
      '/v4/users/me/pairedDevices',
      '/v4/users/me/dataTypes/steps/dataPoints:rollUp',
    ]);
  });
});

describe('GoogleHealthReader redirects', () => {
  it('follows none: the token stays with Google, and the sync fails at once, without retries', async () => {
    const paths: string[] = [];
    const server = createServer((request, response) => {
      paths.push(request.url ?? '');
      if (request.url?.startsWith('/v4/users/me/pairedDevices')) {
        response.writeHead(302, { location: '/elsewhere' }).end();
      } else {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // Node's own fetch, as in production.
      const reader = new GoogleHealthReader(
        {
          GOOGLE_HEALTH_API_BASE_URL: `http://127.0.0.1:${port}/v4/`,
          GOOGLE_HEALTH_TIMEOUT_MS: 1000,
        },
        { accessToken: async () => 'token', refreshAfterUnauthorized: async () => 'token' },
        new RequestBudget(1000),
      );
      reader.sleep = async () => undefined;
      const failure = await reader.pairedDevices(context).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(GoogleApiError);
      expect((failure as GoogleApiError).reason).toBe('UNEXPECTED_REDIRECT');
      expect(paths).toEqual(['/v4/users/me/pairedDevices?prettyPrint=false']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('GoogleHealthReader.list', () => {
  it('counts a point Google repeats across pages once', async () => {
    const t = at('2026-03-02T08:00', -5);
    const steps = [stepsPoint(t, 100), stepsPoint(later(t, 1), 40), stepsPoint(later(t, 2), 7)];
    const reader = readerServing([page(steps.slice(0, 2), 'p2'), page(steps.slice(1))]);
    const points = await reader.list(context, { ...query, dataType: 'steps' });
    expect(points.map((p) => p.count)).toEqual([100, 40, 7]);
  });

  it('keeps distinct readings that differ in any field', async () => {
    const t = at('2026-03-02T08:00', -5);
    const reader = readerServing([
      page([heartRatePoint(t, 60), heartRatePoint(t, 61), heartRatePoint(t, 60, 'HEALTH_KIT')]),
    ]);
    const points = await reader.list(context, { ...query, dataType: 'heart-rate' });
    expect(points).toHaveLength(3);
  });

  it('drops a repeat among distinct readings at the same instant', async () => {
    const t = at('2026-03-02T08:00', -5);
    const reader = readerServing([
      page([heartRatePoint(t, 60), heartRatePoint(t, 61)], 'p2'),
      page([heartRatePoint(t, 61), heartRatePoint(t, 62)]),
    ]);
    const points = await reader.list(context, { ...query, dataType: 'heart-rate' });
    expect(points.map((p) => p.beatsPerMinute)).toEqual([60, 61, 62]);
  });

  it('reads a page of a day of minutes as JSON.parse would, and refuses it broken', async () => {
    const day = everyMinute(
      Date.UTC(2026, 2, 2),
      Date.UTC(2026, 2, 3),
      (ms) => atInstant(ms, -5),
      (m) => heartRatePoint(m, 60 + (m.epochMs % 40)),
    );
    const whole = parseDataPointsPage('heart-rate', page(day));
    const points = await readerServing([page(day)]).list(context, {
      ...query,
      dataType: 'heart-rate',
    });
    expect(points).toEqual(whole.points);

    (day[700] as { heartRate: { beatsPerMinute: string } }).heartRate.beatsPerMinute = 'X';
    const broken = JSON.stringify(page(day)).replace('"X"', '"X');
    const fetchFn = (async () => new Response(broken, { status: 200 })) as unknown as typeof fetch;
    const reader = new GoogleHealthReader(
      { GOOGLE_HEALTH_API_BASE_URL: 'https://health.example/v4/', GOOGLE_HEALTH_TIMEOUT_MS: 1000 },
      { accessToken: async () => 'token', refreshAfterUnauthorized: async () => 'token' },
      new RequestBudget(1000),
      fetchFn,
    );
    await expect(reader.list(context, { ...query, dataType: 'heart-rate' })).rejects.toThrow(
      new MalformedResponseError('response', 'expected JSON'),
    );
  });
});

describe('GoogleHealthReader tokens', () => {
  it('reads the access token once per sync, and again after a 401 refresh', async () => {
    const t = at('2026-03-02T08:00', -5);
    const answers = [
      new Response(JSON.stringify(page([stepsPoint(t, 1)], 'p2')), { status: 200 }),
      new Response(JSON.stringify(page([stepsPoint(later(t, 1), 2)])), { status: 200 }),
      new Response('{"error":{"status":"UNAUTHENTICATED"}}', { status: 401 }),
      new Response(JSON.stringify(page([])), { status: 200 }),
      new Response(JSON.stringify(page([])), { status: 200 }),
    ];
    const sent: string[] = [];
    const fetchFn = (async (_url: URL, init: RequestInit) => {
      sent.push((init.headers as Record<string, string>).authorization);
      return answers.shift();
    }) as unknown as typeof fetch;
    let reads = 0;
    const reader = new GoogleHealthReader(
      { GOOGLE_HEALTH_API_BASE_URL: 'https://health.example/v4/', GOOGLE_HEALTH_TIMEOUT_MS: 1000 },
      {
        accessToken: async () => `stored-${++reads}`,
        refreshAfterUnauthorized: async () => 'refreshed',
      },
      new RequestBudget(1000),
      fetchFn,
    );
    const sync = { connectionId: 1, userBudget: new RequestBudget(1000) };
    await reader.list(sync, { ...query, dataType: 'steps' });
    await reader.list(sync, { ...query, dataType: 'heart-rate' });
    await reader.list(sync, { ...query, dataType: 'heart-rate' });
    expect(reads).toBe(1);
    expect(sent).toEqual([
      'Bearer stored-1',
      'Bearer stored-1',
      'Bearer stored-1',
      'Bearer refreshed',
      'Bearer refreshed',
    ]);
  });
});

describe('GoogleHealthReader decoding', () => {
  it('decodes an answer that is not ASCII as UTF-8 (ASCII is decoded as Latin-1, the same text)', async () => {
    const reader = readerServing([
      { pairedDevices: [{ deviceType: 'MONTRE_É', batteryLevel: 80 } as unknown] },
      { pairedDevices: [{ deviceType: 'TRACKER', batteryLevel: 70 }] },
    ]);
    expect((await reader.pairedDevices(context))[0].deviceType).toBe('MONTRE_É');
    expect((await reader.pairedDevices(context))[0].deviceType).toBe('TRACKER');
  });
});
