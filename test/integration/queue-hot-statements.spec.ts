import { DataSource } from 'typeorm';
import { AlertStepDue } from '../../src/alerts/alert-step-due.entity';
import { AlertStepsDue } from '../../src/alerts/alert-steps-due.repository';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrateDatabase } from '../../src/database/migrate';
import { SyncState, newSyncState } from '../../src/ingest/sync-state.entity';
import { SyncStateRepository } from '../../src/ingest/sync-state.repository';
import { EvaluationDue } from '../../src/rules/evaluation-due.entity';
import { EvaluationsDueRepository } from '../../src/rules/evaluations-due.repository';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';

const T0 = new Date('2026-12-01T10:00:00.123Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

/**
 * The queue statements every sync sends (the claim, the evaluation's due row,
 * the alert step's take of its row) are hand-written (src/database/raw-columns.ts):
 * they read and write exactly what the entities' repositories read and write,
 * on both engines.
 */
describe.each(testEngines())('the queues’ hot statements on %s', (engine) => {
  let db: TestDatabase;
  let ds: DataSource;
  let states: SyncStateRepository;

  beforeAll(async () => {
    db = await freshDatabase(engine);
    ds = await new DataSource(dataSourceOptions(db.env)).initialize();
    await migrateDatabase(ds);
    states = new SyncStateRepository(ds, db.env);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const state = (connectionId: number, changes: Partial<SyncState>): SyncState =>
    Object.assign(newSyncState(connectionId), {
      rereadFrom: '2026-11-20',
      rereadDataTypes: 'steps sleep',
      earlySyncRequested: true,
      statusReason: 'Google refused weight',
      deviceBattery: 80,
      lastAttemptAt: at(-1),
      ...changes,
    });

  it('claims due syncs in due order, leased and counted, as the repository then reads them', async () => {
    const rows = ds.getRepository(SyncState);
    await rows.insert([
      state(1, { nextSyncAt: at(-2_000), attempts: 2 }),
      // Due earlier, a lease that lapsed: claimed first.
      state(2, { nextSyncAt: at(-5_000), leaseOwner: 'gone', leaseExpiresAt: at(-1) }),
      state(3, { nextSyncAt: at(-9_000), leaseExpiresAt: at(60_000) }), // leased
      state(4, { nextSyncAt: at(1) }), // not due
      state(5, { nextSyncAt: null }), // not syncing
      state(6, { nextSyncAt: at(-1_000) }), // beyond the limit
    ]);
    const claimed = await states.claimDue(T0, 2);
    expect(claimed.map((c) => c.connectionId)).toEqual([2, 1]);
    for (const claim of claimed) {
      const stored = await rows.findOneByOrFail({ connectionId: claim.connectionId });
      expect(claim.state).toStrictEqual(stored);
      expect(claim).toEqual({
        connectionId: stored.connectionId,
        leaseExpiresAt: stored.leaseExpiresAt,
        attempts: stored.attempts,
        state: stored,
      });
      expect(stored).toMatchObject({ leaseOwner: states.owner, earlySyncRequested: true });
    }
    expect(claimed[0]).toMatchObject({ attempts: 1, leaseExpiresAt: at(states.leaseMs) });
    expect(claimed[0].state?.leaseOwner).toBe(states.owner);
    expect(claimed[1].attempts).toBe(3);
    expect(await rows.findOneByOrFail({ connectionId: 3 })).toStrictEqual(
      state(3, { nextSyncAt: at(-9_000), leaseExpiresAt: at(60_000) }),
    );

    // Due or not, by key: not while another process holds it, nor when not syncing.
    expect(await states.claimNow(3, T0)).toBeNull();
    expect(await states.claimNow(5, T0)).toBeNull();
    const now = await states.claimNow(4, T0);
    expect(now?.state).toStrictEqual(await rows.findOneByOrFail({ connectionId: 4 }));
    expect(now?.state).toMatchObject({ attempts: 1, leaseOwner: states.owner });
  });

  it('reads, claims and settles an evaluation due as the repository reads and writes it', async () => {
    const due = new EvaluationsDueRepository(ds);
    const rows = ds.getRepository(EvaluationDue);
    await ds.transaction((tx) => due.record(7, ['2026-11-30', '2026-11-29'], at(-120_000), tx));
    await ds.transaction((tx) => due.record(7, ['2026-11-29', '2026-11-28'], at(-90_000), tx));
    const stored = await rows.findOneByOrFail({ pid: 7 });
    expect(stored).toMatchObject({ attempts: 0, failedAt: null, lastError: null });
    expect(stored.dates).toBe('2026-11-29 2026-11-30 2026-11-28 2026-11-29');
    const read = await due.of(7);
    expect(read).toStrictEqual({
      pid: 7,
      dates: ['2026-11-28', '2026-11-29', '2026-11-30'],
      recordedAt: stored.recordedAt,
    });
    expect(await due.of(8)).toBeNull();

    // Parked rows are not claimed.
    await rows.insert({ ...stored, pid: 8, failedAt: at(-1), attempts: 10, lastError: 'x' });
    const [claimed, ...more] = await due.claimDue(T0, 5);
    expect(more).toEqual([]);
    const after = await rows.findOneByOrFail({ pid: 7 });
    expect(claimed).toStrictEqual({ ...read, attempts: 1, leasedUntil: after.dueAt });
    expect(after).toMatchObject({ attempts: 1, dueAt: at(120_000) });

    // A sync added dates since the read: kept, with all its attempts ahead.
    await ds.transaction((tx) => due.record(7, ['2026-12-01'], at(-1_000), tx));
    await due.settle(read!);
    expect(await rows.findOneByOrFail({ pid: 7 })).toMatchObject({
      attempts: 0,
      lastError: null,
    });
    await due.settle((await due.of(7))!);
    expect(await rows.findOneBy({ pid: 7 })).toBeNull();
    expect(await rows.findOneBy({ pid: 8 })).not.toBeNull();
  });

  it('takes a patient’s alert step row at a step’s start, held until it commits, left by a step that fails', async () => {
    const steps = new AlertStepsDue(ds);
    const rows = ds.getRepository(AlertStepDue);
    await ds.transaction((tx) => steps.record(tx, [11, 12], at(-1_000)));
    await expect(
      ds.transaction(async (tx) => {
        await steps.take(tx, 11);
        throw new Error('the step failed');
      }),
    ).rejects.toThrow('the step failed');
    expect((await rows.find()).map((row) => Number(row.pid)).sort()).toEqual([11, 12]);
    if (engine === 'mysql') {
      const other = await new DataSource(dataSourceOptions(db.env)).initialize();
      try {
        await ds.transaction(async (tx) => {
          await steps.take(tx, 11);
          await expect(
            other.query('SELECT pid FROM alert_steps_due WHERE pid = 11 FOR UPDATE NOWAIT'),
          ).rejects.toThrow();
          await expect(
            other.query('SELECT pid FROM alert_steps_due WHERE pid = 12 FOR UPDATE NOWAIT'),
          ).resolves.toHaveLength(1);
        });
      } finally {
        await other.destroy();
      }
    } else {
      await ds.transaction((tx) => steps.take(tx, 11));
    }
    expect((await rows.find()).map((row) => Number(row.pid))).toEqual([12]);
  });
});
