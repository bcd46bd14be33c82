/**
 * The same numbers: the day's re-read that reads minutes only from the first
 * day whose quarter hours changed (src/ingest/minutes-check.ts) stores what a
 * re-read of every day's minutes stores. The simulator's messy cohort, with
 * late days, a stream that stops and starts again, synced over many simulated
 * days several times a day: each patient twice, one with the check, one whose
 * fingerprints are forgotten before each sync (so every minute is read again).
 */
import { DataSource } from 'typeorm';
import { DailyAggregate, METRIC_NAMES } from '../../src/aggregates/daily-aggregate';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { SyncState } from '../../src/ingest/sync-state.entity';
import { addDays, DAY_MS, dayNumberOfDate, localDateAt, zoneOffsetSeconds } from '../../src/time';
import type { SimulatedUser } from '../../src/simulator/cohort';
import { CHECK_WINDOW_SECONDS } from '../../src/ingest/sync-plan';
import { parseRollUpPage, RollUpQuery } from '../../src/wearables/google-health/roll-ups';
import type { ReadContext } from '../../src/wearables/google-health/health-api-reader';
import { testEngines } from '../support/databases';
import type { DatabaseEngine } from '../../src/database/data-source-options';
import { IngestVigil, startIngestVigil } from '../support/ingest-vigil';

jest.setTimeout(900_000);

const USERS = 4;
const BACKFILL_DAYS = 10;
const SIMULATED_DAYS = 9;
/** UTC hours of each simulated day's syncs: four a day, as at the default 6-hour interval. */
const SYNC_HOURS = [2, 8, 14, 20];

describe.each(testEngines())('the minutes check on %s', (engine) => {
  let ingest: IngestVigil;
  let ds: DataSource;
  const startMs = Date.parse(
    `${new Date().toISOString().slice(0, 10)}T${pad(SYNC_HOURS[0])}:00:00Z`,
  );
  let nowMs = startMs;

  beforeAll(async () => {
    jest.spyOn(Date, 'now').mockImplementation(() => nowMs);
    ingest = await startIngestVigil(
      engine,
      { now: startMs, cohortSize: USERS, seed: 'minutes-check', rateLimitPerUserPerMinute: 0 },
      { env: { BACKFILL_DAYS: String(BACKFILL_DAYS) }, logWriter: () => undefined },
    );
    ds = ingest.dataSource;
  });

  afterAll(async () => {
    await ingest.stop();
    jest.restoreAllMocks();
  });

  const checked = (i: number): number => 4000 + i;
  const everything = (i: number): number => 5000 + i;

  async function sync(pid: number): Promise<void> {
    const outcome = await ingest.syncs.syncNow(pid);
    if (outcome.status !== 'synced') throw new Error(`${pid}: ${JSON.stringify(outcome)}`);
  }

  async function days(pid: number): Promise<DailyAggregate[]> {
    return ingest.vigil.app.get(DailyAggregates).series(pid, '2000-01-01', '2100-01-01');
  }

  it('stores every column of every day as a re-read of every minute does', async () => {
    const start = new Date(startMs).toISOString().slice(0, 10);
    // Both patients of a user share one grant: a second grant would revoke the first's refresh token.
    const grant = ingest.sim.grantTokens.bind(ingest.sim);
    const grants = new Map<string, ReturnType<typeof grant>>();
    jest.spyOn(ingest.sim, 'grantTokens').mockImplementation((userId, scopes) => {
      const known = grants.get(userId) ?? grant(userId, scopes);
      grants.set(userId, known);
      return known;
    });
    for (let i = 1; i <= USERS; i++) {
      const userId = `sim-${i}`;
      // Late days inside the simulated days, after they were first read; a stream that stops.
      ingest.sim.cohort.addScenario(userId, {
        kind: 'late-day',
        date: addDays(start, 1 + (i % 3)),
        lagDays: 1 + (i % 3),
      });
      ingest.sim.cohort.addScenario(userId, {
        kind: 'late-day',
        date: addDays(start, 5),
        lagDays: 2,
      });
      if (i % 2 === 0)
        ingest.sim.cohort.addScenario(userId, {
          kind: 'stream-stops',
          stream: i === 2 ? 'steps' : 'heart-rate',
          from: addDays(start, 3),
          until: addDays(start, 5),
        });
      for (const pid of [checked(i), everything(i)])
        await ingest.connect(pid, userId, { nextSyncAt: new Date(nowMs + 365 * DAY_MS) });
    }
    // Where each sync's minutes started, per connection and local date.
    const reader = ingest.reader;
    const rollUp = reader.rollUp.bind(reader);
    const minutesFrom = new Map<number, number>();
    jest.spyOn(reader, 'rollUp').mockImplementation((context: ReadContext, query: RollUpQuery) => {
      if (query.windowSeconds === CHECK_WINDOW_SECONDS) return rollUp(context, query);
      const known = minutesFrom.get(context.connectionId) ?? Infinity;
      minutesFrom.set(context.connectionId, Math.min(known, query.startTime));
      return rollUp(context, query);
    });

    let compared = 0;
    let skippedDays = 0;
    let dayFirstSyncs = 0;
    for (let day = 0; day < SIMULATED_DAYS; day++) {
      for (const hour of SYNC_HOURS) {
        nowMs = Date.parse(`${addDays(start, day)}T${pad(hour)}:00:00Z`);
        ingest.sim.clock.set(nowMs);
        for (let i = 1; i <= USERS; i++) {
          const zone = ingest.sim.cohort.user(`sim-${i}`)!.homeTimeZone;
          const today = localDateAt(nowMs, zone);
          const [state] = await ds.getRepository(SyncState).find({
            where: { connectionId: await connectionIdOf(checked(i)) },
          });
          const dayFirst = state.rereadSpentOn !== today && state.cursorDate !== null;
          minutesFrom.clear();
          await sync(checked(i));
          await ds
            .createQueryBuilder()
            .update(DailyAggregateRow)
            .set({ minutesFingerprint: null })
            .where('pid = :pid', { pid: everything(i) })
            .execute();
          await sync(everything(i));
          if (dayFirst) {
            dayFirstSyncs++;
            const withCheck = minutesFrom.get(await connectionIdOf(checked(i))) ?? 0;
            const whole = minutesFrom.get(await connectionIdOf(everything(i))) ?? 0;
            skippedDays += Math.round((withCheck - whole) / DAY_MS);
          }
          const [a, b] = [await days(checked(i)), await days(everything(i))];
          expect(a.map((d) => d.date)).toEqual(b.map((d) => d.date));
          a.forEach((mine, d) => {
            const theirs = b[d];
            for (const metric of METRIC_NAMES)
              if (mine[metric] !== theirs[metric])
                throw new Error(
                  `sim-${i} ${mine.date} ${metric} at ${new Date(nowMs).toISOString()}: with the check ${mine[metric]}, re-reading every minute ${theirs[metric]}`,
                );
            expect({ date: mine.date, ...mine.coverage }).toEqual({
              date: theirs.date,
              ...theirs.coverage,
            });
            compared++;
          });
        }
      }
    }
    expect(dayFirstSyncs).toBeGreaterThanOrEqual(USERS * (SIMULATED_DAYS - 1));
    // The check did skip: most day's-first syncs read two or three days less.
    expect(skippedDays).toBeGreaterThan(dayFirstSyncs);
    expect(compared).toBeGreaterThan(USERS * SIMULATED_DAYS * SYNC_HOURS.length * BACKFILL_DAYS);
  });

  it('a late day that arrives after its minutes were read is read again, not skipped', async () => {
    const i = 1;
    const pid = checked(i);
    const zone = ingest.sim.cohort.user(`sim-${i}`)!.homeTimeZone;
    nowMs += DAY_MS;
    ingest.sim.clock.set(nowMs);
    const today = localDateAt(nowMs, zone);
    // Two days ago arrives three days late: empty when first read, whole later.
    const late = addDays(today, -2);
    ingest.sim.cohort.addScenario(`sim-${i}`, { kind: 'late-day', date: late, lagDays: 3 });
    await sync(pid);
    const before = (await days(pid)).find((d) => d.date === late);
    expect(before?.wearMinutes ?? null).toBeNull();
    for (let day = 1; day <= 3; day++) {
      nowMs += DAY_MS;
      ingest.sim.clock.set(nowMs);
      await sync(pid);
    }
    const after = (await days(pid)).find((d) => d.date === late);
    expect(after?.wearMinutes).toBeGreaterThan(600);
    expect(after?.restingHrEstimate).not.toBeNull();
  });

  /** Quarter hours of a query as Google sends them, empty. */
  function quarterHours(query: RollUpQuery): Record<string, unknown>[] {
    const windows = [];
    for (let at = query.startTime; at < query.endTime; at += query.windowSeconds * 1000)
      windows.push({
        startTime: new Date(at).toISOString(),
        endTime: new Date(at + query.windowSeconds * 1000).toISOString(),
        [query.dataType === 'steps' ? 'steps' : 'heartRate']: {},
      });
    return windows;
  }

  it.each([
    {
      bad: 'cut short',
      dataType: 'heart-rate',
      answer: (windows: Record<string, unknown>[]) => windows.slice(0, -1),
      reason: 'heart-rate rollupDataPoints: expected windows up to the end of the range',
    },
    {
      bad: 'with a window out of order',
      dataType: 'steps',
      answer: (windows: Record<string, unknown>[]) => [windows[1], windows[0], ...windows.slice(2)],
      reason: 'steps rollupDataPoints[0].startTime: expected windows in time order',
    },
  ])(
    'a quarter-hour answer $bad fails the sync, naming the type and the JSON path, and writes nothing',
    async ({ dataType, answer, reason }) => {
      const pid = checked(2);
      nowMs += DAY_MS;
      ingest.sim.clock.set(nowMs);
      const rows = () =>
        ds.getRepository(DailyAggregateRow).find({ where: { pid }, order: { date: 'ASC' } });
      const before = await rows();
      const [stateBefore] = await ds
        .getRepository(SyncState)
        .find({ where: { connectionId: await connectionIdOf(pid) } });
      const reader = ingest.reader;
      const rollUp = reader.rollUp.bind(reader);
      const asked: number[] = [];
      const spy = jest.spyOn(reader, 'rollUp').mockImplementation(async (context, query) => {
        asked.push(query.windowSeconds);
        if (query.windowSeconds !== CHECK_WINDOW_SECONDS || query.dataType !== dataType)
          return rollUp(context, query);
        return parseRollUpPage(
          query,
          { rollupDataPoints: answer(quarterHours(query)) },
          query.startTime,
        ).windows;
      });
      const outcome = await ingest.syncs.syncNow(pid);
      spy.mockRestore();
      expect(outcome).toMatchObject({
        status: 'failed',
        reason: expect.stringContaining(reason) as unknown,
      });
      // The check failed before any minute was asked for.
      expect(asked.every((seconds) => seconds === CHECK_WINDOW_SECONDS)).toBe(true);
      expect(await rows()).toEqual(before);
      const [stateAfter] = await ds
        .getRepository(SyncState)
        .find({ where: { connectionId: await connectionIdOf(pid) } });
      expect(stateAfter.cursorDate).toBe(stateBefore.cursorDate);
      expect(stateAfter.rereadSpentOn).toBe(stateBefore.rereadSpentOn);
    },
  );

  async function connectionIdOf(pid: number): Promise<number> {
    const [row] = (await ds.query(
      'SELECT c.id AS id FROM wearable_connections c JOIN enrollments e ON e.id = c.enrollment_id WHERE e.pid = ?',
      [pid],
    )) as { id: unknown }[];
    return Number(row.id);
  }
});

/**
 * A patient abroad east of the enrollment's zone: each day away begins on the
 * watch before it does at home, so a late day away fills the evening before
 * at home, a day its civil daily roll-up does not cover. The check still reads
 * that day's minutes: the synced days equal a re-read of every minute.
 *
 * Cohorts: 'trip-a' (with the civil daily roll-ups, sim-7's hrMean of a day
 * away differed); 'minutes-check-trip' (a night whose evening before had no
 * step points while its whole day had: sim-29's resting estimate differed
 * until the evening's steps came from the whole day); 'trip-b' (asleep in
 * Tokyo, home in Chicago: a night that began more than 12 hours before home's
 * midnight; sim-38's resting estimate differed while a first day's minutes
 * started 12 hours before its midnight, not at its first night).
 */
const TRAVEL_CASES: [DatabaseEngine, string][] = [
  ...testEngines().map((engine): [DatabaseEngine, string] => [engine, 'trip-a']),
  ['sqlite', 'minutes-check-trip'],
  ['sqlite', 'trip-b'],
];

describe.each(TRAVEL_CASES)(
  'the minutes check for a travelling patient on %s, cohort %s',
  (engine, seed) => {
    let ingest: IngestVigil;
    // A fixed date: the cohort's trips and habits are the ones this test was checked against.
    let nowMs = Date.parse('2026-12-07T02:00:00Z');

    beforeAll(async () => {
      jest.spyOn(Date, 'now').mockImplementation(() => nowMs);
      ingest = await startIngestVigil(
        engine,
        { now: nowMs, cohortSize: 40, seed, rateLimitPerUserPerMinute: 0 },
        { env: { BACKFILL_DAYS: String(BACKFILL_DAYS) }, logWriter: () => undefined },
      );
    });

    afterAll(async () => {
      await ingest.stop();
      jest.restoreAllMocks();
    });

    it('reads again the evening at home that a late day away filled', async () => {
      // The eastward traveller with the longest trip, the trip's zone hours ahead of home.
      const ahead = (user: SimulatedUser): number =>
        user.trip === null
          ? 0
          : zoneOffsetSeconds(user.trip.timeZone, user.trip.departMs) -
            zoneOffsetSeconds(user.homeTimeZone, user.trip.departMs);
      const travellers = ingest.sim.cohort
        .users(0, 40)
        .filter((user) => ahead(user) >= 5 * 3600)
        .sort((a, b) => tripDays(b) - tripDays(a));
      const user = travellers[0];
      expect(tripDays(user)).toBeGreaterThanOrEqual(4);
      const trip = user.trip!;
      // Every day away is late, a day or two.
      for (let date = addDays(trip.departDate, 1); date < trip.returnDate; date = addDays(date, 1))
        ingest.sim.cohort.addScenario(user.id, {
          kind: 'late-day',
          date,
          lagDays: 1 + (dayNumberOfDate(date)! % 2),
        });
      nowMs = Date.parse(`${addDays(trip.departDate, -1)}T02:00:00Z`);
      ingest.sim.clock.set(nowMs);
      const [checked, everything] = [6000, 6001];
      // Both patients share one grant: a second grant would revoke the first's refresh token.
      const grant = ingest.sim.grantTokens.bind(ingest.sim);
      let granted: ReturnType<typeof grant> | undefined;
      jest
        .spyOn(ingest.sim, 'grantTokens')
        .mockImplementation((userId, scopes) => (granted ??= grant(userId, scopes)));
      for (const pid of [checked, everything])
        await ingest.connect(pid, user.id, { nextSyncAt: new Date(nowMs + 365 * DAY_MS) });
      const series = (pid: number): Promise<DailyAggregate[]> =>
        ingest.vigil.app.get(DailyAggregates).series(pid, '2000-01-01', '2100-01-01');
      const sync = async (pid: number): Promise<void> => {
        const outcome = await ingest.syncs.syncNow(pid);
        if (outcome.status !== 'synced') throw new Error(`${pid}: ${JSON.stringify(outcome)}`);
      };

      let compared = 0;
      for (let date = addDays(trip.departDate, -1); date <= addDays(trip.returnDate, 3);) {
        for (const hour of SYNC_HOURS) {
          nowMs = Date.parse(`${date}T${pad(hour)}:00:00Z`);
          ingest.sim.clock.set(nowMs);
          await sync(checked);
          await ingest.dataSource
            .createQueryBuilder()
            .update(DailyAggregateRow)
            .set({ minutesFingerprint: null })
            .where('pid = :pid', { pid: everything })
            .execute();
          await sync(everything);
          const [a, b] = [await series(checked), await series(everything)];
          expect(a.map((d) => d.date)).toEqual(b.map((d) => d.date));
          a.forEach((mine, d) => {
            for (const metric of METRIC_NAMES)
              if (mine[metric] !== b[d][metric])
                throw new Error(
                  `${user.id} (${user.homeTimeZone}, away in ${trip.timeZone}) ${mine.date} ${metric} at ${new Date(nowMs).toISOString()}: with the check ${mine[metric]}, re-reading every minute ${b[d][metric]}`,
                );
            expect(mine.coverage).toEqual(b[d].coverage);
            compared++;
          });
        }
        date = addDays(date, 1);
      }
      expect(compared).toBeGreaterThan(tripDays(user) * SYNC_HOURS.length * BACKFILL_DAYS);
    });
  },
);

function tripDays(user: SimulatedUser): number {
  const trip = user.trip;
  if (trip === null) return 0;
  return dayNumberOfDate(trip.returnDate)! - dayNumberOfDate(trip.departDate)!;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
