import { Simulator, startSimulator } from '../../simulator/server';
import { DailyRollUpQuery, parseDailyRollUpPage } from './daily-roll-ups';
import { GoogleHealthReader } from './health-api-reader';
import { MalformedResponseError } from './malformed-response-error';
import { RequestBudget } from './request-budget';

const query: DailyRollUpQuery = {
  dataType: 'heart-rate',
  from: '2026-11-25',
  to: '2026-11-27',
  pageSize: 10_000,
  dataSourceFamily: null,
};
const civil = (date: string) => {
  const [year, month, day] = date.split('-').map(Number);
  return { date: { year, month, day } };
};
const DATES = ['2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28'];
const hr = (
  k: number,
  value: object = { beatsPerMinuteMin: 48, beatsPerMinuteAvg: 71.25, beatsPerMinuteMax: 150 },
) => ({ civilStartTime: civil(DATES[k]), civilEndTime: civil(DATES[k + 1]), heartRate: value });

function problem(body: unknown, q: DailyRollUpQuery = query): string {
  try {
    parseDailyRollUpPage(q, body, q.from);
  } catch (error) {
    if (error instanceof MalformedResponseError) return error.message;
    throw error;
  }
  return 'accepted';
}

describe('daily roll-up answers', () => {
  it('reads a value per day as text, an empty value as no data', () => {
    const page = parseDailyRollUpPage(
      query,
      {
        rollupDataPoints: [
          hr(0),
          hr(1, {}),
          { ...hr(2), civilEndTime: { ...civil(DATES[3]), time: {} } },
        ],
      },
      query.from,
    );
    expect(page.days).toEqual([
      { date: '2026-11-25', value: '48/71.25/150' },
      { date: '2026-11-26', value: '-' },
      { date: '2026-11-27', value: '48/71.25/150' },
    ]);
    const steps = parseDailyRollUpPage(
      { ...query, dataType: 'steps', to: query.from },
      {
        rollupDataPoints: [
          {
            civilStartTime: civil(DATES[0]),
            civilEndTime: civil(DATES[1]),
            steps: { countSum: '0' },
          },
        ],
      },
      query.from,
    );
    expect(steps.days).toEqual([{ date: '2026-11-25', value: '0' }]);
  });

  it.each([
    [
      'an unknown value shape',
      { rollupDataPoints: [hr(0, { beatsPerMinuteMedian: 60 }), hr(1), hr(2)] },
      'heart-rate rollupDataPoints[0].heartRate.beatsPerMinuteMedian: unknown value field',
    ],
    [
      'a value of another type',
      { rollupDataPoints: [{ ...hr(0), steps: { countSum: '3' } }, hr(1), hr(2)] },
      'heart-rate rollupDataPoints[0].steps: not a heart-rate roll-up value',
    ],
    [
      'a missing day',
      { rollupDataPoints: [hr(0), hr(2)] },
      'heart-rate rollupDataPoints[1].civilStartTime: expected one window per day, in order, within the range',
    ],
    [
      'days out of order',
      { rollupDataPoints: [hr(1), hr(0), hr(2)] },
      'heart-rate rollupDataPoints[0].civilStartTime: expected one window per day, in order, within the range',
    ],
    [
      'a day past the range',
      { rollupDataPoints: [hr(0), hr(1), hr(2), { ...hr(2), civilStartTime: civil(DATES[3]) }] },
      'heart-rate rollupDataPoints[3].civilStartTime: expected one window per day, in order, within the range',
    ],
    [
      'a truncated answer',
      { rollupDataPoints: [hr(0), hr(1)] },
      'heart-rate rollupDataPoints: expected a window for every day of the range (the answer was cut short)',
    ],
    [
      'a window longer than a day',
      { rollupDataPoints: [{ ...hr(0), civilEndTime: civil(DATES[2]) }, hr(1), hr(2)] },
      'heart-rate rollupDataPoints[0].civilEndTime: expected the next midnight',
    ],
    [
      'a window that starts at another time of day',
      {
        rollupDataPoints: [
          { ...hr(0), civilStartTime: { ...civil(DATES[0]), time: { hours: 5 } } },
          hr(1),
          hr(2),
        ],
      },
      'heart-rate rollupDataPoints[0].civilStartTime.time.hours: expected midnight',
    ],
    [
      'a start that is no date',
      { rollupDataPoints: [{ ...hr(0), civilStartTime: { date: { year: 2026, month: 11 } } }] },
      'heart-rate rollupDataPoints[0].civilStartTime.date.day: expected a positive integer',
    ],
    [
      'a missing value',
      { rollupDataPoints: [{ civilStartTime: civil(DATES[0]), civilEndTime: civil(DATES[1]) }] },
      'heart-rate rollupDataPoints[0].heartRate: required field is missing',
    ],
    [
      'a missing field of a value',
      { rollupDataPoints: [hr(0, { beatsPerMinuteAvg: 60, beatsPerMinuteMax: 61 }), hr(1), hr(2)] },
      'heart-rate rollupDataPoints[0].heartRate.beatsPerMinuteMin: required field is missing',
    ],
    [
      'an average outside the minimum and maximum',
      {
        rollupDataPoints: [
          hr(0, { beatsPerMinuteMin: 60, beatsPerMinuteAvg: 70, beatsPerMinuteMax: 65 }),
          hr(1),
          hr(2),
        ],
      },
      'heart-rate rollupDataPoints[0].heartRate.beatsPerMinuteAvg: expected 0 < minimum <= average <= maximum',
    ],
    [
      'an empty page that claims a next one',
      { rollupDataPoints: [], nextPageToken: 'p2' },
      'heart-rate rollupDataPoints: expected windows on a page that has a next page',
    ],
    ['no object', [hr(0)], 'heart-rate rollupDataPoints: expected a JSON object'],
  ])('refuses %s, naming the type and the field', (_name, body, message) => {
    expect(problem(body)).toBe(message);
  });

  it('refuses a step sum that is not a count', () => {
    const steps: DailyRollUpQuery = { ...query, dataType: 'steps', to: query.from };
    const window = { civilStartTime: civil(DATES[0]), civilEndTime: civil(DATES[1]) };
    expect(problem({ rollupDataPoints: [{ ...window, steps: { countSum: '1.5' } }] }, steps)).toBe(
      'steps rollupDataPoints[0].steps.countSum: expected an integer',
    );
  });

  it('follows pages, checking that each continues with the next day', async () => {
    const pages = [
      { rollupDataPoints: [hr(0), hr(1)], nextPageToken: 'p2' },
      { rollupDataPoints: [hr(2)] },
    ];
    const bodies: unknown[] = [];
    const paths: string[] = [];
    let next = 0;
    const fetchFn = (async (url: URL, init: RequestInit) => {
      paths.push(url.pathname);
      bodies.push(JSON.parse(init.body as string));
      return new Response(JSON.stringify(pages[next++]), { status: 200 });
    }) as unknown as typeof fetch;
    const reader = new GoogleHealthReader(
      { GOOGLE_HEALTH_API_BASE_URL: 'https://health.example/v4/', GOOGLE_HEALTH_TIMEOUT_MS: 1000 },
      { accessToken: async () => 'token', refreshAfterUnauthorized: async () => 'token' },
      new RequestBudget(1000),
      fetchFn,
    );
    const context = { connectionId: 1, userBudget: new RequestBudget(1000) };
    const days = await reader.dailyRollUp(context, query);
    expect(days.map((d) => d.date)).toEqual(['2026-11-25', '2026-11-26', '2026-11-27']);
    expect(paths[0]).toBe('/v4/users/me/dataTypes/heart-rate/dataPoints:dailyRollUp');
    const range = {
      start: { date: { year: 2026, month: 11, day: 25 } },
      end: { date: { year: 2026, month: 11, day: 28 } },
    };
    expect(bodies).toEqual([
      { range, windowSizeDays: 1, pageSize: 10_000 },
      { range, windowSizeDays: 1, pageSize: 10_000, pageToken: 'p2' },
    ]);
    // A second page that starts over is out of order.
    next = 0;
    pages[1] = { rollupDataPoints: [hr(0), hr(1), hr(2)] };
    await expect(reader.dailyRollUp(context, query)).rejects.toThrow(
      'heart-rate rollupDataPoints[0].civilStartTime: expected one window per day',
    );
  });
});

describe('daily roll-ups from the simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ now: '2026-11-28T15:00:00Z', cohortSize: 2, historyDays: 30 });
  });
  afterAll(() => sim.close());

  it('reads a day per date, each value as the simulator rolled it up', async () => {
    const token = sim.grantTokens('sim-1').access_token;
    const reader = new GoogleHealthReader(
      { GOOGLE_HEALTH_API_BASE_URL: `${sim.url}/v4`, GOOGLE_HEALTH_TIMEOUT_MS: 5000 },
      { accessToken: async () => token, refreshAfterUnauthorized: async () => token },
      new RequestBudget(1000),
    );
    const context = { connectionId: 1, userBudget: new RequestBudget(1000) };
    const family = 'users/me/dataSourceFamilies/google-wearables';
    for (const dataType of ['heart-rate', 'steps'] as const) {
      const days = await reader.dailyRollUp(context, {
        ...query,
        dataType,
        from: '2026-11-20',
        to: '2026-11-27',
        dataSourceFamily: family,
      });
      expect(days.map((d) => d.date)).toEqual([
        '2026-11-20',
        '2026-11-21',
        '2026-11-22',
        '2026-11-23',
        '2026-11-24',
        '2026-11-25',
        '2026-11-26',
        '2026-11-27',
      ]);
      expect(days.every((d) => d.value !== '-')).toBe(true);
    }
  });
});
