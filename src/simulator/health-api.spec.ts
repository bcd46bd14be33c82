import { Simulator, startSimulator } from './server';

interface ListBody {
  dataPoints: Array<Record<string, unknown>>;
  nextPageToken?: string;
}

describe('simulated Health API', () => {
  let sim: Simulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({
      now: '2026-11-28T15:00:00Z',
      cohortSize: 10,
      historyDays: 30,
      scenarios: { 'sim-2': [{ kind: 'healthkit-sleep-duplicate' }] },
      // The API's mechanics (paging every point once, filters) on tidy data; messy-data.spec.ts has the mess.
      clean: true,
    });
    token = sim.grantTokens('sim-1').access_token;
  });
  afterAll(() => sim.close());

  function get(
    path: string,
    params: Record<string, string> = {},
    bearer = token,
  ): Promise<Response> {
    const query = new URLSearchParams(params);
    return fetch(`${sim.url}/v4/users/me/${path}${query.size ? `?${query}` : ''}`, {
      headers: { Authorization: `Bearer ${bearer}` },
    });
  }

  async function listAll(
    dataType: string,
    params: Record<string, string>,
    bearer = token,
  ): Promise<{ points: ListBody['dataPoints']; pages: number }> {
    const points: ListBody['dataPoints'] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const response = await get(
        `dataTypes/${dataType}/dataPoints`,
        { ...params, ...(pageToken ? { pageToken } : {}) },
        bearer,
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as ListBody;
      points.push(...body.dataPoints);
      pageToken = body.nextPageToken ?? '';
      pages += 1;
    } while (pageToken);
    return { points, pages };
  }

  const physicalTime = (point: Record<string, unknown>): string =>
    (point.heartRate as { sampleTime: { physicalTime: string } }).sampleTime.physicalTime;

  it('serves identity, settings and paired devices', async () => {
    const user = sim.cohort.user('sim-1');
    expect(await (await get('identity')).json()).toEqual({
      name: `users/${user?.healthUserId}/identity`,
      healthUserId: user?.healthUserId,
      legacyUserId: user?.legacyUserId,
    });
    const settings = (await (await get('settings')).json()) as {
      timeZone: string;
      utcOffset: string;
    };
    expect(settings.timeZone).toBe(user?.homeTimeZone);
    expect(settings.utcOffset).toMatch(/^-?\d+s$/);
    const devices = (await (await get('pairedDevices')).json()) as {
      pairedDevices: Array<Record<string, unknown>>;
    };
    expect(devices.pairedDevices[0]).toMatchObject({
      deviceType: 'TRACKER',
      batteryLevel: expect.any(Number),
      lastSyncTime: expect.stringMatching(/Z$/),
    });
  });

  it('pages newest first through every point exactly once', async () => {
    const filter =
      'heart_rate.sample_time.physical_time >= "2026-11-25T00:00:00Z" AND heart_rate.sample_time.physical_time < "2026-11-27T00:00:00Z"';
    const { points, pages } = await listAll('heart-rate', { filter, pageSize: '700' });
    const { points: single } = await listAll('heart-rate', { filter, pageSize: '10000' });
    expect(pages).toBeGreaterThan(3);
    expect(points.length).toBe(single.length);
    expect(points.length).toBeGreaterThan(2000);
    const times = points.map(physicalTime);
    expect(new Set(times).size).toBe(times.length);
    expect([...times].sort().reverse()).toEqual(times);
    expect(
      times[0] < '2026-11-27T00:00:00Z' &&
        times.at(-1) &&
        (times.at(-1) as string) >= '2026-11-25T00:00:00Z',
    ).toBe(true);
  });

  it('caps page sizes: sleep at 25, others at 10000, default 1440', async () => {
    const sleep = (await (
      await get('dataTypes/sleep/dataPoints', { pageSize: '500' })
    ).json()) as ListBody;
    expect(sleep.dataPoints.length).toBe(25);
    const hr = (await (await get('dataTypes/heart-rate/dataPoints')).json()) as ListBody;
    expect(hr.dataPoints.length).toBe(1440);
    expect(hr.nextPageToken).toBeTruthy();
  });

  it('filters daily types by date and sleep by civil end date', async () => {
    const { points } = await listAll('daily-resting-heart-rate', {
      filter:
        'daily_resting_heart_rate.date >= "2026-11-20" AND daily_resting_heart_rate.date < "2026-11-28"',
    });
    const dates = points.map(
      (p) => (p.dailyRestingHeartRate as { date: { day: number } }).date.day,
    );
    expect(dates.every((day) => day >= 20 && day < 28)).toBe(true);
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    const sleeps = await listAll('sleep', {
      filter:
        'sleep.interval.civil_end_time >= "2026-11-25" AND sleep.interval.civil_end_time < "2026-11-27"',
    });
    for (const point of sleeps.points) {
      const end = (point.sleep as { interval: { civilEndTime: { date: { day: number } } } })
        .interval.civilEndTime.date.day;
      expect([25, 26]).toContain(end);
    }
  });

  it('answers an unparseable filter with Google’s INVALID_ARGUMENT envelope', async () => {
    const response = await get('dataTypes/steps/dataPoints', {
      filter: 'steps.interval.start_time >> "x"',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 400,
        message: expect.stringContaining('Invalid filter'),
        status: 'INVALID_ARGUMENT',
      },
    });
    expect((await get('dataTypes/blood-glucose/dataPoints')).status).toBe(400);
    expect((await get('dataTypes/steps/dataPoints', { pageToken: 'garbage' })).status).toBe(400);
  });

  it('returns HealthKit mirrors of sleep, removed by :reconcile; rejects dataSourceFamily on sleep lists', async () => {
    const bearer = sim.grantTokens('sim-2').access_token;
    const filter = 'sleep.interval.civil_end_time >= "2026-11-20"';
    const all = await listAll('sleep', { filter }, bearer);
    const platforms = all.points.map((p) => (p.dataSource as { platform: string }).platform);
    expect(platforms.filter((p) => p === 'HEALTH_KIT').length).toBe(
      platforms.filter((p) => p === 'FITBIT').length,
    );
    const response = await fetch(
      `${sim.url}/v4/users/me/dataTypes/sleep/dataPoints:reconcile?${new URLSearchParams({ filter, dataSourceFamily: 'users/me/dataSourceFamilies/google-wearables' })}`,
      {
        headers: { Authorization: `Bearer ${bearer}` },
      },
    );
    const reconciled = (await response.json()) as ListBody;
    expect(reconciled.dataPoints.length).toBe(all.points.length / 2);
    expect(reconciled.dataPoints[0].dataPointName).toEqual(
      expect.stringContaining('/dataTypes/sleep/dataPoints/'),
    );
    expect(reconciled.dataPoints[0].dataSource).toBeUndefined();
    const rejected = await get(
      'dataTypes/sleep/dataPoints',
      { dataSourceFamily: 'google-wearables' },
      bearer,
    );
    expect(rejected.status).toBe(400);
  });

  it('excludes manual weights from google-wearables', async () => {
    const all = await listAll('weight', {});
    const wearables = await listAll('weight', {
      dataSourceFamily: 'users/me/dataSourceFamilies/google-wearables',
    });
    const manual = all.points.filter(
      (p) => (p.dataSource as { recordingMethod: string }).recordingMethod === 'MANUAL',
    );
    expect(wearables.points.length).toBe(all.points.length - manual.length);
  });

  it('shows only data the device has synced, and late data appears as the clock advances', async () => {
    sim.cohort.setScenarios('sim-6', [{ kind: 'syncs-late', lagDays: 3 }]);
    const bearer = sim.grantTokens('sim-6').access_token;
    const lastSync = sim.cohort.lastSyncTime(
      sim.cohort.user('sim-6') as NonNullable<ReturnType<typeof sim.cohort.user>>,
    );
    const first = (await (
      await get('dataTypes/heart-rate/dataPoints', { pageSize: '1' }, bearer)
    ).json()) as ListBody;
    expect(Date.parse(physicalTime(first.dataPoints[0]))).toBeLessThanOrEqual(lastSync);
    sim.clock.advance(3 * 86_400_000);
    const later = (await (
      await get(
        'dataTypes/heart-rate/dataPoints',
        { pageSize: '1' },
        sim.grantTokens('sim-6').access_token,
      )
    ).json()) as ListBody;
    expect(Date.parse(physicalTime(later.dataPoints[0]))).toBeGreaterThan(lastSync);
    sim.clock.advance(-3 * 86_400_000);
    sim.cohort.setScenarios('sim-6', []);
  });

  it('expires page tokens after their lifetime', async () => {
    const first = (await (
      await get('dataTypes/heart-rate/dataPoints', { pageSize: '10' })
    ).json()) as ListBody;
    sim.clock.advance(11 * 60_000);
    const fresh = sim.grantTokens('sim-1').access_token;
    const response = await get(
      'dataTypes/heart-rate/dataPoints',
      { pageSize: '10', pageToken: first.nextPageToken as string },
      fresh,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { message: 'The page token has expired.' },
    });
    sim.clock.advance(-11 * 60_000);
  });

  it('rejects missing or unknown bearer tokens with 401 UNAUTHENTICATED', async () => {
    expect((await fetch(`${sim.url}/v4/users/me/identity`)).status).toBe(401);
    const unknown = await get('identity', {}, 'ya29.not-a-token');
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
  });

  it('counts requests per route and per user', async () => {
    sim.resetStats();
    await get('identity');
    await get('dataTypes/steps/dataPoints', { pageSize: '1' });
    expect(sim.stats().byUser['sim-1']).toBe(2);
    expect(sim.stats().byRoute['api:dataPoints:steps']).toBe(1);
  });
});
