import { DataSource } from 'typeorm';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { SLEEP_METRICS } from '../../src/aggregates/main-sleep';
import { addDays, localDateAt } from '../../src/time';
import { SyncRequests } from '../../src/ingest/sync-requests';
import { SyncState } from '../../src/ingest/sync-state.entity';
import { Simulator } from '../../src/simulator';
import { GoogleHealthReader } from '../../src/wearables/google-health/health-api-reader';
import { testEngines } from '../support/databases';
import { IngestVigil, startIngestVigil } from '../support/ingest-vigil';

/**
 * The simulator's scripted behaviours through Vigil's real sync: how long a
 * throttled read waits, a night mirrored into Apple Health, and a watch that
 * uploads days late. Each is unit-tested elsewhere; here the pieces meet.
 */
jest.setTimeout(120_000);

const DAY_MS = 86_400_000;

/** The dates strictly after `from` and before `to`. */
function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let date = addDays(from, 1); date < to; date = addDays(date, 1)) dates.push(date);
  return dates;
}

/** The sleep a day row holds, for comparing two syncs of the same nights. */
const sleepOf = (row: DailyAggregateRow) =>
  Object.fromEntries(SLEEP_METRICS.map((column) => [column, row[column]]));

describe.each(testEngines())('simulator scenarios through a real sync on %s', (engine) => {
  let ingest: IngestVigil;
  let sim: Simulator;
  let ds: DataSource;
  let syncs: SyncRequests;
  let reader: GoogleHealthReader;
  let restoreReader: () => void;

  beforeAll(async () => {
    ingest = await startIngestVigil(engine, { cohortSize: 20, seed: 'ingest-scenarios-test' });
    ({ sim, dataSource: ds, syncs, reader } = ingest);
    const { sleep, random, firstRetryMs } = reader;
    restoreReader = () => Object.assign(reader, { sleep, random, firstRetryMs });
  });

  afterAll(() => ingest.stop());

  afterEach(() => {
    sim.faults.clear();
    restoreReader();
  });

  /** A new patient, scheduled but not due: the tests sync it. */
  const patient = () => ingest.patient({ nextSyncAt: new Date(Date.now() + 3_600_000) });

  const rows = async (pid: number) =>
    new Map(
      (await ds.getRepository(DailyAggregateRow).find({ where: { pid } })).map((r) => [r.date, r]),
    );

  const synced = async (pid: number) => {
    const outcome = await syncs.syncNow(pid);
    if (outcome.status !== 'synced') throw new Error(`sync ${outcome.status}: ${outcome.reason}`);
    return outcome;
  };

  describe('a throttled read (429)', () => {
    /**
     * Waits the reader asks for, answered at once so the test stays fast; each
     * noted with how many steps requests the simulator had seen by then.
     */
    function recordWaits() {
      const waits: { ms: number; stepsRequestsSoFar: number }[] = [];
      reader.sleep = async (ms) => {
        waits.push({ ms, stepsRequestsSoFar: sim.stats().byRoute['api:rollUp:steps'] ?? 0 });
      };
      return waits;
    }

    /** Throttles the patient's first steps request; returns the wait before its retry. */
    async function waitBeforeRetry(retryAfterSeconds: number | undefined) {
      const { pid, userId } = await patient();
      reader.random = () => 0; // the backoff's jitter, fixed
      reader.firstRetryMs = 3_000;
      const waits = recordWaits();
      sim.resetStats();
      const fault = sim.faults.add({
        kind: 'rate-limit',
        userId,
        dataType: 'steps',
        count: 1,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      });
      const outcome = await synced(pid);
      expect(fault.hits).toBe(1);
      expect(outcome.kind).toBe('backfill');
      // Each steps request after the 429 is a retry that must come after the wait.
      const stepsRequests = sim.stats().byRoute['api:rollUp:steps'];
      const throttled = 1; // the first steps request, answered 429
      const retryWait = waits.find((w) => w.stepsRequestsSoFar === throttled);
      expect(retryWait).toBeDefined();
      expect(stepsRequests).toBeGreaterThan(throttled);
      const stored = await rows(pid);
      expect([...stored.values()].filter((r) => r.steps !== null).length).toBeGreaterThan(40);
      return retryWait!.ms;
    }

    it('waits at least the Retry-After Google sent before retrying, then syncs', async () => {
      expect(await waitBeforeRetry(7)).toBeGreaterThanOrEqual(7_000);
    });

    it('backs off on its own when the 429 carries no Retry-After', async () => {
      const wait = await waitBeforeRetry(undefined);
      // Attempt 1 of the backoff: half the first step fixed, half jitter (here 0).
      expect(wait).toBeGreaterThanOrEqual(1_500);
      expect(wait).toBeLessThanOrEqual(3_000);
    });
  });

  it('counts a night mirrored into Apple Health once', async () => {
    const { pid, userId, user, connection } = await patient();
    // Without the mirror: what the Fitbit-recorded sessions alone give.
    await synced(pid);
    const fitbitOnly = await rows(pid);

    sim.cohort.setScenarios(userId, [{ kind: 'healthkit-sleep-duplicate' }]);
    // Cursor forgotten: the next sync reads all 60 nights again, each now with its copy.
    await ds
      .getRepository(SyncState)
      .update({ connectionId: connection.id }, { cursorDate: null, rereadFrom: null });
    const read = reader.list.bind(reader);
    let mirrored = 0;
    const list = jest.spyOn(reader, 'list').mockImplementation(async (context, query) => {
      const points = await read(context, query);
      if (query.dataType === 'sleep')
        mirrored += points.filter((p) => p.platform === 'HEALTH_KIT').length;
      return points;
    });
    try {
      expect((await synced(pid)).kind).toBe('backfill');
    } finally {
      list.mockRestore();
    }
    // The copies did reach Vigil: about one per night.
    expect(mirrored).toBeGreaterThan(40);

    const withMirror = await rows(pid);
    const today = localDateAt(Date.now(), user.homeTimeZone);
    const nights = [...fitbitOnly.keys()].filter(
      (date) => date < today && fitbitOnly.get(date)!.sleepTotalMinutes !== null,
    );
    expect(nights.length).toBeGreaterThan(40);
    for (const date of nights)
      expect({ date, ...sleepOf(withMirror.get(date)!) }).toEqual({
        date,
        ...sleepOf(fitbitOnly.get(date)!),
      });
  });

  it('rewrites old days a late-syncing watch uploads days later, and reports them as changed', async () => {
    const { pid, userId, user } = await patient();
    // Longer than the 3 days an incremental sync re-reads anyway: only the watch's
    // own last upload can tell Vigil to go back that far.
    const lagDays = 6;
    sim.cohort.setScenarios(userId, [{ kind: 'syncs-late', lagDays }]);
    // The simulator's clock runs `lagDays` behind: its last upload is 6-12 days old.
    let shiftedMs = -lagDays * DAY_MS;
    sim.clock.advance(shiftedMs);
    try {
      const firstUpload = sim.cohort.lastSyncTime(user);
      await synced(pid);
      const before = await rows(pid);

      sim.clock.advance(lagDays * DAY_MS); // now: the watch uploaded its backlog since
      shiftedMs += lagDays * DAY_MS;
      // Days later: the day's first sync spends the re-read again.
      await ds
        .getRepository(SyncState)
        .createQueryBuilder()
        .update()
        .set({ rereadSpentOn: null })
        .execute();
      const secondUpload = sim.cohort.lastSyncTime(user);
      expect(secondUpload - firstUpload).toBe(lagDays * DAY_MS);
      const outcome = await synced(pid);
      const after = await rows(pid);
      expect(outcome.kind).toBe('incremental');

      // Whole days between the two uploads the watch recorded steps on: all in the past.
      const today = localDateAt(Date.now(), user.homeTimeZone);
      const revealed = datesBetween(
        localDateAt(firstUpload, user.homeTimeZone),
        localDateAt(secondUpload, user.homeTimeZone),
      ).filter((date) => sim.cohort.day(user, date).steps.some((count) => count > 0));
      expect(revealed.length).toBeGreaterThanOrEqual(3);
      for (const date of revealed) {
        expect(date < today).toBe(true);
        expect({ date, steps: before.get(date)?.steps }).toEqual({ date, steps: null });
        expect({ date, steps: after.get(date)?.steps }).toEqual({
          date,
          steps: expect.any(Number),
        });
      }
      expect(outcome.changed).toEqual(expect.arrayContaining(revealed));
      // A day the first upload already had in full is read again but left as it was.
      const settled = addDays(localDateAt(firstUpload, user.homeTimeZone), -2);
      expect(outcome.dates).toContain(settled);
      expect(outcome.changed).not.toContain(settled);
    } finally {
      sim.clock.advance(-shiftedMs);
    }
  });
});
