/**
 * The exact bytes the simulator serves at Fitbit's cadence, pinned by a
 * SHA-256: roll-ups (1-minute windows over several days and a DST change,
 * odd windows, unaligned starts, pages), daily roll-ups and lists of a messy
 * cohort. The simulator is made faster from time to time; what it serves
 * must not move. A change meant to alter the data updates the digest here.
 */
import { createHash } from 'node:crypto';
import { FITBIT_CADENCE_SECONDS } from './heart-rate-cadence';
import { Simulator, startSimulator } from './server';

const SERVED_SHA256 = '4bba71ccb59c4d5ab78052d8e638da806ddb74fcec301c1a0e3a69c07836aec1';

describe('bytes served at Fitbit cadence', () => {
  let sim: Simulator;
  beforeAll(async () => {
    // 2026-11-01 is the DST change of the American zones, where sim-1..4 and sim-6 live;
    // between them the first six have duplicates, zero-step intervals, stale offsets and late days.
    sim = await startSimulator({
      now: '2026-11-03T16:20:00Z',
      seed: 'served-bytes',
      cohortSize: 12,
      historyDays: 30,
      heartRateCadenceSeconds: FITBIT_CADENCE_SECONDS,
      rateLimitPerUserPerMinute: 0,
    });
  });
  afterAll(() => sim.close());

  it('are the same as when pinned', async () => {
    const hash = createHash('sha256');
    const served = async (user: string, path: string, body?: unknown): Promise<string> => {
      const response = await fetch(`${sim.url}/v4/users/me/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          Authorization: `Bearer ${sim.grantTokens(user).access_token}`,
          'content-type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      hash.update(`${user} ${path} ${JSON.stringify(body)} ${response.status}\n${text}\n`);
      return (JSON.parse(text) as { nextPageToken?: string }).nextPageToken ?? '';
    };
    const rollUp = async (user: string, dataType: string, body: Record<string, unknown>) => {
      let pageToken = '';
      do {
        pageToken = await served(user, `dataTypes/${dataType}/dataPoints:rollUp`, {
          ...body,
          ...(pageToken ? { pageToken } : {}),
        });
      } while (pageToken);
    };
    const family = 'users/me/dataSourceFamilies/google-wearables';
    for (const user of ['sim-1', 'sim-2', 'sim-3', 'sim-4', 'sim-5', 'sim-6']) {
      for (const dataType of ['heart-rate', 'steps']) {
        // A day's first incremental sync: the evening before and five local days.
        await rollUp(user, dataType, {
          range: { startTime: '2026-10-29T17:00:00Z', endTime: '2026-11-03T17:00:00Z' },
          windowSize: '60s',
          pageSize: 10_000,
          dataSourceFamily: family,
        });
      }
      for (const dataType of ['active-minutes', 'weight'])
        await rollUp(user, dataType, {
          range: { startTime: '2026-10-25T00:00:00Z', endTime: '2026-11-03T00:00:00Z' },
          windowSize: '3600s',
          pageSize: 500,
        });
    }
    for (const windowSize of ['1s', '7s', '45s', '90s', '3600s', '86400s'])
      for (const dataType of ['heart-rate', 'steps'])
        await rollUp('sim-2', dataType, {
          range: { startTime: '2026-10-31T21:13:07.250Z', endTime: '2026-11-01T09:00:00Z' },
          windowSize,
          pageSize: 4000,
        });
    for (const dataType of ['heart-rate', 'steps', 'active-minutes', 'weight'])
      await served('sim-3', `dataTypes/${dataType}/dataPoints:dailyRollUp`, {
        range: {
          start: { date: { year: 2026, month: 10, day: 21 } },
          end: { date: { year: 2026, month: 11, day: 3 }, time: { hours: 9, minutes: 30 } },
        },
        windowSizeDays: 2,
      });
    const list = (dataType: string, filter: string) =>
      served('sim-4', `dataTypes/${dataType}/dataPoints?${new URLSearchParams({ filter })}`);
    await list(
      'heart-rate',
      'heart_rate.sample_time.physical_time >= "2026-11-01T04:00:00Z" AND heart_rate.sample_time.physical_time < "2026-11-01T09:00:00Z"',
    );
    await list(
      'steps',
      'steps.interval.civil_start_time >= "2026-10-31" AND steps.interval.civil_start_time < "2026-11-02"',
    );
    await list('sleep', 'sleep.interval.civil_end_time >= "2026-10-28"');
    expect(hash.digest('hex')).toBe(SERVED_SHA256);
  }, 60_000);
});
