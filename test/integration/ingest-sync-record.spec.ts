import { DataSource } from 'typeorm';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { VigilApp } from '../../src/bootstrap';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { testEngines } from '../support/databases';
import { IngestVigil, startIngestVigil } from '../support/ingest-vigil';
import { nextSyncOf, setNextSync } from '../support/wearables';

jest.setTimeout(120_000);

/** What a finished sync records: its times on the connection, its next sync in the sync queue (unless paused meanwhile). */
describe.each(testEngines())('what a finished sync records on %s', (engine) => {
  let ingest: IngestVigil;
  let vigil: VigilApp;
  let ds: DataSource;

  beforeAll(async () => {
    ingest = await startIngestVigil(engine, { cohortSize: 10, seed: 'sync-record-test' });
    ({ vigil, dataSource: ds } = ingest);
  });

  afterAll(() => ingest.stop());

  const row = (id: number) => ds.getRepository(WearableConnection).findOneByOrFail({ id });

  it('the sync times and the next sync; a patient paused during the sync stays unscheduled', async () => {
    const connection = await ingest.connect(5001, 'sim-1', { nextSyncAt: new Date() });
    const before = Date.now();
    expect(await ingest.syncs.syncNow(5001)).toMatchObject({ status: 'synced' });
    const synced = await row(connection.id);
    expect(synced.lastSyncAt!.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(synced.lastSyncAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(synced.lastDeviceSyncAt).toBeInstanceOf(Date);
    expect((await nextSyncOf(ds, connection.id))!.getTime()).toBeGreaterThan(
      Date.now() + 40 * 60_000,
    );

    // Staff pause the patient (next_sync_at cleared) while the next sync runs.
    await setNextSync(ds, connection.id, new Date());
    const aggregates = vigil.app.get(DailyAggregates);
    const syncedDays = aggregates.syncedDays.bind(aggregates);
    const paused = jest.spyOn(aggregates, 'syncedDays').mockImplementation(async (...args) => {
      await setNextSync(ds, connection.id, null);
      return syncedDays(...args);
    });
    try {
      expect(await ingest.syncs.syncNow(5001)).toMatchObject({ status: 'synced' });
    } finally {
      paused.mockRestore();
    }
    const after = await row(connection.id);
    expect(await nextSyncOf(ds, connection.id)).toBeNull();
    expect(after.lastSyncAt!.getTime()).toBeGreaterThan(synced.lastSyncAt!.getTime());
  });
});
