/**
 * The same numbers: a cohort at Fitbit's real heart-rate cadence synced once
 * by list (every sample) and once by 1-minute roll-ups gives the same daily
 * aggregates. The one column that cannot match is pinned and explained in
 * docs/ingestion.md.
 */
import { DataSource } from 'typeorm';
import { DailyAggregate, METRIC_NAMES } from '../../src/aggregates/daily-aggregate';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { SyncRequests } from '../../src/ingest/sync-requests';
import { newSyncState, SyncState } from '../../src/ingest/sync-state.entity';
import { addDays } from '../../src/time';
import { Simulator, startSimulator } from '../../src/simulator';
import { FITBIT_CADENCE_SECONDS } from '../../src/simulator/heart-rate-cadence';
import { demoScenarios } from '../../src/simulator/scenarios';
import { freshDatabase, TestDatabase } from '../support/databases';
import { connectPatient, setNextSync, simulatorEnv } from '../support/wearables';

jest.setTimeout(600_000);

const USERS = 9;
const BACKFILL_DAYS = 16;

describe('daily aggregates by list and by roll-up', () => {
  let db: TestDatabase;
  let sim: Simulator;
  let vigil: VigilApp;
  let ds: DataSource;

  beforeAll(async () => {
    const now = Date.now();
    sim = await startSimulator({
      // Frozen: both reads see the same synced data.
      now,
      cohortSize: USERS,
      seed: 'roll-up-equivalence',
      heartRateCadenceSeconds: FITBIT_CADENCE_SECONDS,
      scenarios: demoScenarios(new Date(now).toISOString().slice(0, 10)),
      rateLimitPerUserPerMinute: 0,
    });
    db = await freshDatabase('sqlite', {
      ...simulatorEnv(sim),
      BACKFILL_DAYS: String(BACKFILL_DAYS),
      SYNC_TICK_SECONDS: '3600',
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    ds = vigil.app.get(DataSource);
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  /** A backfill of the patient's days read the given way; the state is forgotten first. */
  async function backfill(pid: number, reads: 'list' | 'roll-up'): Promise<DailyAggregate[]> {
    vigil.env.GOOGLE_HEALTH_INTRADAY_READS = reads;
    // Forgotten but still scheduled: everything a sync keeps goes back to a new state's.
    const { connectionId: _id, nextSyncAt: _next, ...fresh } = newSyncState(0);
    await ds.getRepository(SyncState).createQueryBuilder().update().set(fresh).execute();
    sim.resetStats();
    const outcome = await vigil.app.get(SyncRequests).syncNow(pid);
    expect(outcome).toMatchObject({ status: 'synced', kind: 'backfill' });
    const routes = Object.keys(sim.stats().byRoute);
    // Each way reads heart rate and steps its own way only.
    expect(
      routes.filter((r) =>
        r.startsWith(reads === 'list' ? 'api:rollUp' : 'api:dataPoints:heart-rate'),
      ),
    ).toEqual([]);
    if (outcome.status !== 'synced') throw new Error('unreachable');
    return vigil.app
      .get(DailyAggregates)
      .series(pid, outcome.dates[0], outcome.dates.at(-1) as string);
  }

  it('are identical, but for the heart-rate samples a roll-up cannot count', async () => {
    const compared = { days: 0, worn: 0, withSteps: 0, withEstimate: 0, tripDays: 0 };
    for (let i = 1; i <= USERS; i++) {
      const userId = `sim-${i}`;
      const user = sim.cohort.user(userId)!;
      const connection = await connectPatient(ds, db.env, sim, 3000 + i, userId, {
        nextSyncAt: null,
      });
      await setNextSync(ds, connection.id, new Date(Date.now() + 3_600_000));
      const byList = await backfill(3000 + i, 'list');
      const byRollUp = await backfill(3000 + i, 'roll-up');
      expect(byRollUp.map((d) => d.date)).toEqual(byList.map((d) => d.date));
      expect(byList).toHaveLength(BACKFILL_DAYS);

      // A trip's days: a list files each sample by the offset the watch recorded, a
      // roll-up by the enrollment's zone (windows carry none). Outside trips they agree.
      const trip = user.trip;
      const onTrip = (date: string) =>
        trip !== null &&
        date >= addDays(trip.departDate, -1) &&
        date <= addDays(trip.returnDate, 1);
      byList.forEach((list, d) => {
        const rolled = byRollUp[d];
        if (onTrip(list.date)) {
          compared.tripDays++;
          return;
        }
        compared.days++;
        for (const metric of METRIC_NAMES) {
          if (rolled[metric] !== list[metric])
            throw new Error(
              `${userId} ${list.date} ${metric}: list ${list[metric]}, roll-up ${rolled[metric]}`,
            );
        }
        expect(rolled.coverage.stepMinutes).toBe(list.coverage.stepMinutes);
        expect(rolled.coverage.dataTypes).toEqual(list.coverage.dataTypes);
        // The pinned difference: a roll-up sends one mean per minute, not its samples.
        expect(rolled.coverage.heartRateSamples).toBe(list.wearMinutes ?? 0);
        if (list.wearMinutes !== null) {
          compared.worn++;
          // Twelve a worn minute (sixty in exercise), fewer in the minute the watch last synced in.
          expect(list.coverage.heartRateSamples).toBeLessThanOrEqual(60 * list.wearMinutes);
          expect(list.coverage.heartRateSamples).toBeGreaterThan(12 * list.wearMinutes - 12);
        }
        if (list.steps !== null) compared.withSteps++;
        if (list.restingHrEstimate !== null) compared.withEstimate++;
      });
    }
    // The comparison saw real days, not empty ones.
    expect(compared.days).toBeGreaterThan(USERS * 10);
    expect(compared.worn).toBeGreaterThan(USERS * 8);
    expect(compared.withSteps).toBeGreaterThan(USERS * 8);
    expect(compared.withEstimate).toBeGreaterThan(USERS * 8);
  });
});
