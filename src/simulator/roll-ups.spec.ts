/**
 * dataPoints:rollUp and :dailyRollUp against the list endpoint: a window's
 * value is what the listed points of that window add up to.
 */
import { FITBIT_CADENCE_SECONDS } from './heart-rate-cadence';
import { Simulator, startSimulator } from './server';

interface Window {
  startTime?: string;
  endTime?: string;
  civilStartTime?: { date: { year: number; month: number; day: number }; time?: unknown };
  civilEndTime?: { date: { year: number; month: number; day: number }; time?: unknown };
  heartRate?: {
    beatsPerMinuteMin?: number;
    beatsPerMinuteAvg?: number;
    beatsPerMinuteMax?: number;
  };
  steps?: { countSum?: string };
}

interface RollUpAnswer {
  status: number;
  body: { rollupDataPoints?: Window[]; nextPageToken?: string; error?: { message: string } };
}

describe('simulator roll-ups', () => {
  let sim: Simulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({
      now: '2026-11-28T15:00:00Z',
      cohortSize: 3,
      historyDays: 100,
      heartRateCadenceSeconds: FITBIT_CADENCE_SECONDS,
    });
    token = sim.grantTokens('sim-1').access_token;
  });
  afterAll(() => sim.close());

  async function rollUp(dataType: string, body: unknown, daily = false): Promise<RollUpAnswer> {
    const response = await fetch(
      `${sim.url}/v4/users/me/dataTypes/${dataType}/dataPoints:${daily ? 'dailyRollUp' : 'rollUp'}`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
    );
    return { status: response.status, body: (await response.json()) as RollUpAnswer['body'] };
  }

  async function list<T>(dataType: string, filter: string): Promise<T[]> {
    const points: T[] = [];
    let pageToken = '';
    do {
      const query = new URLSearchParams({ filter, pageSize: '10000' });
      if (pageToken) query.set('pageToken', pageToken);
      const response = await fetch(
        `${sim.url}/v4/users/me/dataTypes/${dataType}/dataPoints?${query.toString()}`,
        { headers: { Authorization: `Bearer ${token}` } },
      );
      const body = (await response.json()) as { dataPoints: T[]; nextPageToken: string };
      points.push(...body.dataPoints);
      pageToken = body.nextPageToken;
    } while (pageToken);
    return points;
  }

  const range = (startTime: string, endTime: string) => ({ startTime, endTime });

  it('a 1-minute roll-up of heart rate is the per-minute min/avg/max of the listed samples', async () => {
    const start = '2026-11-26T00:00:00Z';
    const end = '2026-11-27T00:00:00Z';
    const samples = await list<{
      heartRate: { beatsPerMinute: string; sampleTime: { physicalTime: string } };
    }>(
      'heart-rate',
      `heart_rate.sample_time.physical_time >= "${start}" AND heart_rate.sample_time.physical_time < "${end}"`,
    );
    // Fitbit's cadence: about twelve samples in a worn minute.
    expect(samples.length).toBeGreaterThan(12 * 600);
    const byMinute = new Map<string, number[]>();
    for (const s of samples) {
      const minute = `${s.heartRate.sampleTime.physicalTime.slice(0, 16)}:00Z`;
      byMinute.set(minute, [...(byMinute.get(minute) ?? []), Number(s.heartRate.beatsPerMinute)]);
    }
    const windows: Window[] = [];
    let pageToken: string | undefined;
    do {
      const answer = await rollUp('heart-rate', {
        range: range(start, end),
        windowSize: '60s',
        pageSize: 10000,
        ...(pageToken ? { pageToken } : {}),
      });
      expect(answer.status).toBe(200);
      windows.push(...(answer.body.rollupDataPoints ?? []));
      pageToken = answer.body.nextPageToken;
    } while (pageToken);
    expect(windows).toHaveLength(1440);
    let worn = 0;
    for (const w of windows) {
      const values = byMinute.get(w.startTime as string);
      if (!values) {
        expect(w.heartRate).toEqual({});
        continue;
      }
      worn++;
      expect(w.heartRate).toEqual({
        beatsPerMinuteMin: Math.min(...values),
        beatsPerMinuteAvg: values.reduce((a, b) => a + b, 0) / values.length,
        beatsPerMinuteMax: Math.max(...values),
      });
    }
    expect(worn).toBe(byMinute.size);
    expect(worn).toBeGreaterThan(600);
  });

  it('steps per window are the listed counts; a minute without data is an empty value', async () => {
    const start = '2026-11-26T12:00:00Z';
    const end = '2026-11-26T18:00:00Z';
    const listed = await list<{ steps: { count: string; interval: { startTime: string } } }>(
      'steps',
      `steps.interval.start_time >= "${start}" AND steps.interval.start_time < "${end}"`,
    );
    const counts = new Map(listed.map((s) => [s.steps.interval.startTime, s.steps.count]));
    const answer = await rollUp('steps', { range: range(start, end), windowSize: '60s' });
    const windows = answer.body.rollupDataPoints ?? [];
    expect(windows).toHaveLength(360);
    for (const w of windows) {
      const count = counts.get(w.startTime as string);
      expect(w.steps).toEqual(count === undefined ? {} : { countSum: count });
    }
    expect(windows.some((w) => Object.keys(w.steps ?? {}).length === 0)).toBe(true);
  });

  it('aligns windows on the range start and cuts the last one at its end', async () => {
    const answer = await rollUp('steps', {
      range: range('2026-11-26T10:00:30Z', '2026-11-26T10:03:00Z'),
      windowSize: '60s',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.rollupDataPoints?.map((w) => [w.startTime, w.endTime])).toEqual([
      ['2026-11-26T10:00:30Z', '2026-11-26T10:01:30Z'],
      ['2026-11-26T10:01:30Z', '2026-11-26T10:02:30Z'],
      ['2026-11-26T10:02:30Z', '2026-11-26T10:03:00Z'],
    ]);
    expect(answer.body.nextPageToken).toBeUndefined();
  });

  it('pages windows in time order; pageSize above 10,000 is cut to 10,000', async () => {
    const body = {
      range: range('2026-11-12T00:00:00Z', '2026-11-26T00:00:00Z'),
      windowSize: '60s',
    };
    const first = await rollUp('heart-rate', { ...body, pageSize: 50_000 });
    expect(first.body.rollupDataPoints).toHaveLength(10_000);
    const second = await rollUp('heart-rate', {
      ...body,
      pageSize: 50_000,
      pageToken: first.body.nextPageToken,
    });
    const third = await rollUp('heart-rate', {
      ...body,
      pageSize: 50_000,
      pageToken: second.body.nextPageToken,
    });
    expect(third.body.rollupDataPoints).toHaveLength(14 * 1440 - 20_000);
    expect(third.body.nextPageToken).toBeUndefined();
    const starts = [first, second, third].flatMap((a) =>
      (a.body.rollupDataPoints ?? []).map((w) => Date.parse(w.startTime as string)),
    );
    expect(starts.every((t, i) => i === 0 || t - starts[i - 1] === 60_000)).toBe(true);
    // Default page: 1440 windows.
    expect((await rollUp('heart-rate', body)).body.rollupDataPoints).toHaveLength(1440);
    // A token belongs to its request.
    const other = await rollUp('heart-rate', {
      ...body,
      windowSize: '120s',
      pageToken: first.body.nextPageToken,
    });
    expect(other.status).toBe(400);
  });

  it.each([
    ['heart-rate', 14],
    ['active-minutes', 14],
    ['steps', 90],
    ['weight', 90],
  ])('caps the range of %s at %i days', async (dataType, days) => {
    const start = Date.parse('2026-08-01T00:00:00Z');
    const at = (ms: number): string => new Date(ms).toISOString();
    const ok = await rollUp(dataType, {
      range: range(at(start), at(start + days * 86_400_000)),
      windowSize: '86400s',
    });
    expect(ok.status).toBe(200);
    const over = await rollUp(dataType, {
      range: range(at(start), at(start + days * 86_400_000 + 1000)),
      windowSize: '86400s',
    });
    expect(over.status).toBe(400);
    expect(over.body.error?.message).toBe(`The maximum range for ${dataType} is ${days} days.`);
  });

  it.each([
    ['no range', { windowSize: '60s' }, 'range is required.'],
    [
      'no window',
      { range: range('2026-11-26T00:00:00Z', '2026-11-27T00:00:00Z') },
      'windowSize is required.',
    ],
    [
      'a window under a second',
      { range: range('2026-11-26T00:00:00Z', '2026-11-27T00:00:00Z'), windowSize: '0.5s' },
      'windowSize must be at least 1 second.',
    ],
    [
      'an end before the start',
      { range: range('2026-11-27T00:00:00Z', '2026-11-26T00:00:00Z'), windowSize: '60s' },
      'range.endTime must not be before range.startTime.',
    ],
    [
      'a date that is no timestamp',
      { range: range('2026-11-26', '2026-11-27T00:00:00Z'), windowSize: '60s' },
      'range.startTime must be an RFC 3339 timestamp.',
    ],
  ])('refuses %s with INVALID_ARGUMENT', async (_name, body, message) => {
    const answer = await rollUp('steps', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toBe(message);
  });

  it('refuses types that are list/reconcile only', async () => {
    for (const dataType of ['daily-resting-heart-rate', 'sleep']) {
      const answer = await rollUp(dataType, {
        range: range('2026-11-26T00:00:00Z', '2026-11-27T00:00:00Z'),
        windowSize: '60s',
      });
      expect(answer.status).toBe(400);
    }
  });

  it('daily roll-ups add up civil days, the last window cut at the range end', async () => {
    const listed = await list<{
      steps: { count: string; interval: { civilStartTime: { date: { day: number } } } };
    }>(
      'steps',
      'steps.interval.civil_start_time >= "2026-11-20" AND steps.interval.civil_start_time < "2026-11-25"',
    );
    const byDay = new Map<number, number>();
    for (const s of listed) {
      const day = s.steps.interval.civilStartTime.date.day;
      byDay.set(day, (byDay.get(day) ?? 0) + Number(s.steps.count));
    }
    const answer = await rollUp(
      'steps',
      {
        range: {
          start: { date: { year: 2026, month: 11, day: 20 } },
          end: { date: { year: 2026, month: 11, day: 25 } },
        },
        windowSizeDays: 2,
      },
      true,
    );
    expect(answer.status).toBe(200);
    const windows = answer.body.rollupDataPoints ?? [];
    expect(windows.map((w) => [w.civilStartTime?.date.day, w.civilEndTime?.date.day])).toEqual([
      [20, 22],
      [22, 24],
      [24, 25],
    ]);
    expect(windows.map((w) => Number(w.steps?.countSum))).toEqual([
      (byDay.get(20) ?? 0) + (byDay.get(21) ?? 0),
      (byDay.get(22) ?? 0) + (byDay.get(23) ?? 0),
      byDay.get(24) ?? 0,
    ]);

    const unaligned = await rollUp(
      'steps',
      {
        range: {
          start: { date: { year: 2026, month: 11, day: 20 }, time: { hours: 6 } },
          end: { date: { year: 2026, month: 11, day: 25 } },
        },
      },
      true,
    );
    expect(unaligned.status).toBe(400);
    expect(unaligned.body.error?.message).toBe(
      'The start time must be aligned with the aggregation window.',
    );
    const tooLong = await rollUp(
      'heart-rate',
      {
        range: {
          start: { date: { year: 2026, month: 11, day: 1 } },
          end: { date: { year: 2026, month: 11, day: 16 } },
        },
      },
      true,
    );
    expect(tooLong.status).toBe(400);
  });
});
