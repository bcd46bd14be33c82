import { DataSource } from 'typeorm';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { SyncRequests } from '../../src/ingest/sync-requests';
import { Simulator, startSimulator } from '../../src/simulator';
import { GoogleHealthReader } from '../../src/wearables/google-health/health-api-reader';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { connectPatient, simulatorEnv } from '../support/wearables';

jest.setTimeout(120_000);

/** A finished sync records itself and its next sync in one statement (ConnectionRepository.recordSync). */
describe.each(testEngines())('what a finished sync records on %s', (engine) => {
  let db: TestDatabase;
  let sim: Simulator;
  let vigil: VigilApp;
  let ds: DataSource;

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 10, seed: 'sync-record-test' });
    db = await freshDatabase(engine, {
      ...simulatorEnv(sim),
      GOOGLE_HEALTH_TIMEOUT_MS: '4000',
      SYNC_TICK_SECONDS: '3600',
    });
    vigil = await startVigil(db.env, { port: 0 });
    ds = vigil.app.get(DataSource);
    vigil.app.get(GoogleHealthReader).firstRetryMs = 5;
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  const row = (id: number) => ds.getRepository(WearableConnection).findOneByOrFail({ id });

  it('the sync times and the next sync; a patient paused during the sync stays unscheduled', async () => {
    const connection = await connectPatient(ds, db.env, sim, 5001, 'sim-1', {
      nextSyncAt: new Date(),
    });
    const before = Date.now();
    expect(await vigil.app.get(SyncRequests).syncNow(5001)).toMatchObject({ status: 'synced' });
    const synced = await row(connection.id);
    expect(synced.lastSyncAt!.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(synced.lastSyncAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(synced.lastDeviceSyncAt).toBeInstanceOf(Date);
    expect(synced.nextSyncAt!.getTime()).toBeGreaterThan(Date.now() + 40 * 60_000);

    // Staff pause the patient (next_sync_at cleared) while the next sync runs.
    await ds
      .getRepository(WearableConnection)
      .update({ id: connection.id }, { nextSyncAt: new Date() });
    const aggregates = vigil.app.get(DailyAggregates);
    const series = aggregates.series.bind(aggregates);
    const paused = jest.spyOn(aggregates, 'series').mockImplementation(async (...args) => {
      await ds
        .getRepository(WearableConnection)
        .update({ id: connection.id }, { nextSyncAt: null });
      return series(...args);
    });
    try {
      expect(await vigil.app.get(SyncRequests).syncNow(5001)).toMatchObject({ status: 'synced' });
    } finally {
      paused.mockRestore();
    }
    const after = await row(connection.id);
    expect(after.nextSyncAt).toBeNull();
    expect(after.lastSyncAt!.getTime()).toBeGreaterThan(synced.lastSyncAt!.getTime());
  });
});
