import { DataSource } from 'typeorm';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { SyncScheduler } from '../../src/ingest/sync-scheduler';
import { SyncState } from '../../src/ingest/sync-state.entity';
import { Simulator, startSimulator } from '../../src/simulator';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';
import { connectPatient, setNextSync, simulatorEnv } from '../support/wearables';

jest.setTimeout(90_000);

/**
 * A worker's shutdown: it waits, for SHUTDOWN_TIMEOUT_MS at most, for the syncs
 * it runs; a sync still running after that gives its lease back, so another
 * process may take the patient at once, and writes nothing.
 */
describe.each(testEngines())('a worker shutting down during a sync on %s', (engine) => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let ds: DataSource;
  let logs: LogCapture;
  let connectionId: number;
  const PID = 4100;

  /**
   * Starts a worker whose shutdown waits at most `shutdownBoundMs`. The bound
   * is per test: generous where the sync must finish inside it (a loaded CI
   * machine's 60-day backfill on MariaDB can take several seconds), short
   * where the sync must outlast it.
   */
  async function startWorker(shutdownBoundMs: number): Promise<void> {
    sim = await startSimulator({ cohortSize: 2, seed: 'shutdown' });
    db = await freshDatabase(engine, {
      ...simulatorEnv(sim),
      ROLE: 'worker',
      SYNC_TICK_SECONDS: '3600',
      SHUTDOWN_TIMEOUT_MS: String(shutdownBoundMs),
      LOG_LEVEL: 'info',
    });
    logs = new LogCapture();
    vigil = await startVigil(db.env, { logWriter: logs.write });
    ds = vigil.app.get(DataSource);
    connectionId = (await connectPatient(ds, db.env, sim, PID, 'sim-1', { nextSyncAt: null })).id;
  }

  afterEach(async () => {
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  /** Makes the patient due, starts the tick and waits until the sync holds its lease. */
  async function syncRunning(): Promise<void> {
    await setNextSync(ds, connectionId, new Date());
    vigil.app.get(SyncScheduler).tick();
    for (let i = 0; i < 100; i++) {
      const state = await ds.getRepository(SyncState).findOneBy({ connectionId });
      if (state?.leaseOwner) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the sync never started');
  }

  /** What the stopped worker left: its database closed with it, so read through a new connection. */
  async function leftBehind() {
    const after = new DataSource({ ...ds.options });
    await after.initialize();
    try {
      return {
        state: await after.getRepository(SyncState).findOneByOrFail({ connectionId }),
        connection: await after
          .getRepository(WearableConnection)
          .findOneByOrFail({ id: connectionId }),
        days: await after.getRepository(DailyAggregateRow).countBy({ pid: PID }),
      };
    } finally {
      await after.destroy();
    }
  }

  it('waits for a sync that finishes within the bound, which then stores its days', async () => {
    await startWorker(40_000);
    sim.faults.add({ kind: 'slow', userId: 'sim-1', delayMs: 300, count: 2 });
    await syncRunning();
    await vigil.shutdown('test');
    const { state, days } = await leftBehind();
    expect(state.leaseOwner).toBeNull();
    expect(state.cursorDate).not.toBeNull();
    expect(days).toBe(60);
    expect(logs.text).not.toMatch(/Released \d+ unfinished/);
  });

  it('gives the lease of a sync still running after the bound back, due at once, and writes nothing', async () => {
    await startWorker(3000);
    sim.faults.add({ kind: 'slow', userId: 'sim-1', delayMs: 8000 });
    await syncRunning();
    const before = Date.now();
    await vigil.shutdown('test');
    const { state, days } = await leftBehind();
    expect(state.leaseOwner).toBeNull();
    expect(state.leaseExpiresAt).toBeNull();
    expect(state.cursorDate).toBeNull();
    expect(state.nextSyncAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(state.nextSyncAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(days).toBe(0);
    expect(logs.text).toMatch(/Released 1 unfinished sync lease/);
    sim.faults.clear();
  });
});
