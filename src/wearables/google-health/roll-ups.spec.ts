import { downsample } from '../../aggregates/downsample';
import { GoogleHealthReader } from './health-api-reader';
import { MalformedResponseError } from './points';
import { RequestBudget } from './request-budget';
import { parseRollUpPage, pointsFromRollUp, RollUpQuery } from './roll-ups';
import { startOfLocalDay, zoneOffsetSeconds } from '../../time';

const START = Date.parse('2026-11-26T05:00:00Z');
const query: RollUpQuery = {
  dataType: 'heart-rate',
  startTime: START,
  endTime: START + 3 * 60_000,
  windowSeconds: 60,
  pageSize: 10_000,
  dataSourceFamily: null,
};
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const hr = (
  k: number,
  value: object = { beatsPerMinuteMin: 60, beatsPerMinuteAvg: 61.5, beatsPerMinuteMax: 63 },
) => ({
  startTime: iso(START + k * 60_000),
  endTime: iso(START + (k + 1) * 60_000),
  heartRate: value,
});

function problem(body: unknown, q: RollUpQuery = query): string {
  try {
    parseRollUpPage(q, body, q.startTime);
  } catch (error) {
    if (error instanceof MalformedResponseError) return error.message;
    throw error;
  }
  return 'accepted';
}

describe('roll-up answers', () => {
  it('reads windows in order, an empty value as no data', () => {
    const page = parseRollUpPage(query, { rollupDataPoints: [hr(0), hr(1, {}), hr(2)] }, START);
    expect(page.windows.map((w) => w.value)).toEqual([61.5, null, 61.5]);
    expect(page.nextPageToken).toBeNull();
  });

  it("keeps every figure of a window as text only when asked (the minutes check's fingerprint)", () => {
    const body = { rollupDataPoints: [hr(0), hr(1, {}), hr(2)] };
    const plain = parseRollUpPage(query, body, START).windows;
    expect(plain.every((w) => !('figures' in w))).toBe(true);
    const kept = parseRollUpPage({ ...query, figures: true }, body, START).windows;
    expect(kept.map((w) => w.figures)).toEqual(['60/61.5/63', '-', '60/61.5/63']);
    const steps = parseRollUpPage(
      { ...query, dataType: 'steps', endTime: START + 2 * 60_000, figures: true },
      {
        rollupDataPoints: [0, 1].map((k) => ({
          startTime: iso(START + k * 60_000),
          endTime: iso(START + (k + 1) * 60_000),
          steps: k === 0 ? { countSum: '012' } : { countSum: '0' },
        })),
      },
      START,
    ).windows;
    expect(steps.map((w) => w.figures)).toEqual(['12', '0']);
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
      'windows out of order',
      { rollupDataPoints: [hr(1), hr(0), hr(2)] },
      'heart-rate rollupDataPoints[0].startTime: expected windows in time order, each starting where the one before ended',
    ],
    [
      'a missing value',
      { rollupDataPoints: [{ startTime: hr(0).startTime, endTime: hr(0).endTime }, hr(1), hr(2)] },
      'heart-rate rollupDataPoints[0].heartRate: required field is missing',
    ],
    [
      'a missing field of a value',
      { rollupDataPoints: [hr(0, { beatsPerMinuteAvg: 60, beatsPerMinuteMax: 61 }), hr(1), hr(2)] },
      'heart-rate rollupDataPoints[0].heartRate.beatsPerMinuteMin: required field is missing',
    ],
    [
      'a missing start',
      { rollupDataPoints: [{ endTime: hr(0).endTime, heartRate: {} }, hr(1), hr(2)] },
      'heart-rate rollupDataPoints[0].startTime: required field is missing',
    ],
    [
      'a window of the wrong size',
      { rollupDataPoints: [{ ...hr(0), endTime: hr(1).endTime }] },
      'heart-rate rollupDataPoints[0].endTime: expected the window size, or the end of the range',
    ],
    [
      'a truncated answer',
      { rollupDataPoints: [hr(0), hr(1)] },
      'heart-rate rollupDataPoints: expected windows up to the end of the range (the answer was cut short)',
    ],
    [
      'an empty page that claims a next one',
      { rollupDataPoints: [], nextPageToken: 'p2' },
      'heart-rate rollupDataPoints: expected windows on a page that has a next page',
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
  ])('refuses %s, naming the type and the field', (_name, body, message) => {
    expect(problem(body)).toBe(message);
  });

  it('reads a start spelled otherwise than the end before it, and refuses one that is no instant', () => {
    const spelled = { ...hr(1), startTime: new Date(START + 60_000).toISOString() };
    expect(spelled.startTime).not.toBe(hr(0).endTime);
    expect(problem({ rollupDataPoints: [hr(0), spelled, hr(2)] })).toBe('accepted');
    expect(problem({ rollupDataPoints: [hr(0), { ...hr(1), startTime: 'soon' }, hr(2)] })).toBe(
      'heart-rate rollupDataPoints[1].startTime: expected an RFC 3339 timestamp',
    );
    expect(problem({ rollupDataPoints: [hr(0), { ...hr(1), endTime: 7 }, hr(2)] })).toBe(
      'heart-rate rollupDataPoints[1].endTime: expected a string',
    );
  });

  it('refuses a step count that is not a count', () => {
    const steps: RollUpQuery = { ...query, dataType: 'steps', endTime: START + 60_000 };
    const window = { startTime: iso(START), endTime: iso(START + 60_000) };
    expect(problem({ rollupDataPoints: [{ ...window, steps: { countSum: '-4' } }] }, steps)).toBe(
      'steps rollupDataPoints[0].steps.countSum: expected a non-negative integer',
    );
    expect(problem({ rollupDataPoints: [{ ...window, steps: { countSum: '0' } }] }, steps)).toBe(
      'accepted',
    );
  });

  it('follows pages, checking that each continues where the last ended', async () => {
    const pages = [
      { rollupDataPoints: [hr(0), hr(1)], nextPageToken: 'p2' },
      { rollupDataPoints: [hr(2)] },
    ];
    const bodies: unknown[] = [];
    let next = 0;
    const fetchFn = (async (_url: URL, init: RequestInit) => {
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
    const windows = await reader.rollUp(context, query);
    expect(windows).toHaveLength(3);
    expect(bodies).toEqual([
      {
        range: { startTime: '2026-11-26T05:00:00.000Z', endTime: '2026-11-26T05:03:00.000Z' },
        windowSize: '60s',
        pageSize: 10_000,
      },
      {
        range: { startTime: '2026-11-26T05:00:00.000Z', endTime: '2026-11-26T05:03:00.000Z' },
        windowSize: '60s',
        pageSize: 10_000,
        pageToken: 'p2',
      },
    ]);
    // A second page that starts over is out of order.
    next = 0;
    pages[1] = { rollupDataPoints: [hr(0), hr(1), hr(2)] };
    await expect(reader.rollUp(context, query)).rejects.toThrow(
      'heart-rate rollupDataPoints[0].startTime: expected windows in time order',
    );
  });
});

describe('roll-up windows as points', () => {
  const zone = 'America/New_York';
  const midnight = startOfLocalDay('2026-11-26', zone).getTime();
  const minute = (k: number) => ({
    startTime: midnight + k * 60_000,
    endTime: midnight + (k + 1) * 60_000,
  });

  it('files minutes under the local day of the zone, and keeps zero steps apart from no steps', () => {
    expect(new Date(midnight).toISOString()).toBe('2026-11-26T05:00:00.000Z');
    const heartRate = pointsFromRollUp(
      'heart-rate',
      [
        { ...minute(-1), value: 70 },
        { ...minute(0), value: 60 },
        { ...minute(1), value: null },
        { ...minute(2), value: 62 },
      ],
      zone,
    );
    // Newest first, as a list sends them; the empty minute is no sample at all.
    expect(heartRate.map((p) => p.beatsPerMinute)).toEqual([62, 60, 70]);
    expect(heartRate[0].utcOffsetSeconds).toBe(-5 * 3600);
    const steps = pointsFromRollUp(
      'steps',
      [
        { ...minute(0), value: 0 },
        { ...minute(1), value: null },
        { ...minute(2), value: 12 },
      ],
      zone,
    );
    expect(steps.map((p) => p.count)).toEqual([12, 0]);
    const [day] = downsample({ 'heart-rate': heartRate, steps }, { dates: ['2026-11-26'] });
    expect(day).toMatchObject({ wearMinutes: 2, hrMean: 61, steps: 12 });
    expect(day.coverage.stepMinutes).toBe(2);
  });

  it('knows DST from the zone', () => {
    // New York falls back at 06:00 UTC on 2026-11-01.
    expect(zoneOffsetSeconds(zone, Date.parse('2026-11-01T05:59:00Z'))).toBe(-4 * 3600);
    expect(zoneOffsetSeconds(zone, Date.parse('2026-11-01T06:00:00Z'))).toBe(-5 * 3600);
    expect(
      startOfLocalDay('2026-11-02', zone).getTime() - startOfLocalDay('2026-11-01', zone).getTime(),
    ).toBe(25 * 3_600_000);
  });
});
