import { ChildProcess } from 'node:child_process';
import { DataSource, IsNull, Not } from 'typeorm';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { Simulator, startSimulator } from '../../src/simulator';
import { SyncState } from '../../src/ingest/sync-state.entity';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { freshDatabase, mysqlAvailable, TestDatabase } from '../support/databases';
import { Finished, runEntryPoint } from '../support/processes';
import { connectPatient, simulatorEnv } from '../support/wearables';

const PATIENTS = 200;
const WORKERS = 3;

jest.setTimeout(300_000);

/**
 * Three real worker processes (src/main.ts, ROLE=worker) share one MariaDB
 * database and 200 due patients: each patient is synced exactly once, by one
 * process, and the work is spread over more than one process.
 */
(mysqlAvailable() ? describe : describe.skip)('three worker processes on MariaDB', () => {
  let db: TestDatabase;
  let sim: Simulator;
  let setup: VigilApp;
  let ds: DataSource;

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: PATIENTS, seed: 'workers-test' });
    db = await freshDatabase('mysql', { ...simulatorEnv(sim), ROLE: 'api', BACKFILL_DAYS: '2' });
    setup = await startVigil(db.env, { port: 0 });
    ds = setup.app.get(DataSource);
    for (let i = 1; i <= PATIENTS; i++)
      await connectPatient(ds, db.env, sim, 7000 + i, `sim-${i}`, { nextSyncAt: null });
  });

  afterAll(async () => {
    await setup.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  it('syncs every patient exactly once, never twice at the same time', async () => {
    const children: ChildProcess[] = [];
    const ready: Promise<void>[] = [];
    const finished: Promise<Finished>[] = [];
    for (let w = 0; w < WORKERS; w++) {
      let signal: () => void = () => undefined;
      ready.push(new Promise<void>((resolve) => (signal = resolve)));
      finished.push(
        runEntryPoint(
          'src/main.ts',
          {
            ...simulatorEnv(sim),
            DATABASE_URL: db.url!,
            ENCRYPTION_KEYS: db.env.ENCRYPTION_KEYS,
            ROLE: 'worker',
            BACKFILL_DAYS: '2',
            SYNC_TICK_SECONDS: '1',
            SYNC_CONCURRENCY: '4',
            LOG_LEVEL: 'info',
          },
          (text, child) => {
            if (!children.includes(child)) children.push(child);
            if (text.includes('Vigil is running')) signal();
          },
        ),
      );
    }
    await Promise.all(ready);
    sim.resetStats();
    await ds
      .getRepository(SyncState)
      .createQueryBuilder()
      .update()
      .set({ nextSyncAt: new Date() })
      .execute();

    const deadline = Date.now() + 240_000;
    while (
      (await ds.getRepository(WearableConnection).countBy({ lastSyncAt: Not(IsNull()) })) <
        PATIENTS &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 500));
    for (const child of children) child.kill('SIGTERM');
    const outputs = await Promise.all(finished);

    const byPid = new Map<number, number>();
    const perWorker = outputs.map((out) => {
      const pids = [...out.stdout.matchAll(/Synced patient (\d+) /g)].map((m) => Number(m[1]));
      for (const pid of pids) byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
      return pids.length;
    });
    expect(byPid.size).toBe(PATIENTS);
    expect([...byPid.values()].every((n) => n === 1)).toBe(true);
    expect(perWorker.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    // Same plan for everyone: a patient synced twice (or a doubled, overlapping sync) would stand out.
    const counts = new Set(Object.values(sim.stats().byUser));
    expect(counts.size).toBe(1);
    expect(Object.keys(sim.stats().byUser)).toHaveLength(PATIENTS);
  });
});
