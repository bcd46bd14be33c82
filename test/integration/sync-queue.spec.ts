import request from 'supertest';
import { DataSource } from 'typeorm';
import { MYSQL_MIGRATIONS } from '../../migrations/mysql';
import { SQLITE_MIGRATIONS } from '../../migrations/sqlite';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { inTransaction } from '../../src/database/transactions';
import { newSyncState, SyncState } from '../../src/ingest/sync-state.entity';
import { SyncStateRepository } from '../../src/ingest/sync-state.repository';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';

jest.setTimeout(60_000);

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

/**
 * The sync queue: `sync_states` claimed through the one leased queue
 * (src/database/leased-queue.ts), as the scheduler, `vigil sync` and staff's
 * "sync now" claim it. "Another process" is a second connection pool on
 * MySQL; on SQLite, the one process's queued transactions.
 */
describe.each(testEngines())('the sync queue on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let ds: DataSource;
  let other: DataSource;
  let lease: number;

  beforeAll(async () => {
    // ROLE=api: no scheduler claims behind the test's back.
    db = await freshDatabase(engine, { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    ds = vigil.app.get(DataSource);
    other = engine === 'mysql' ? await new DataSource(dataSourceOptions(db.env)).initialize() : ds;
    lease = db.env.SYNC_LEASE_SECONDS * 1000;
  });

  afterAll(async () => {
    if (other !== ds) await other.destroy();
    await vigil.shutdown('test finished');
    await db.drop();
  });

  beforeEach(() => ds.getRepository(SyncState).clear());

  const queue = (source: DataSource = ds): SyncStateRepository =>
    new SyncStateRepository(source, db.env);

  /** Connections 1..count, scheduled at `due` (null: not syncing). */
  async function scheduled(count: number, due: Date | null = T0): Promise<number[]> {
    const ids = Array.from({ length: count }, (_, i) => i + 1);
    await ds
      .getRepository(SyncState)
      .insert(ids.map((id) => ({ ...newSyncState(id), nextSyncAt: due })));
    return ids;
  }

  const stored = (connectionId: number): Promise<SyncState> =>
    ds.getRepository(SyncState).findOneByOrFail({ connectionId });

  it('never hands one connection to two claimers at once', async () => {
    const ids = await scheduled(40);
    const claimers = [queue(ds), queue(other)];
    const taken: number[] = [];
    await Promise.all(
      claimers.map(async (claimer) => {
        for (;;) {
          const batch = await claimer.claimDue(at(1), 3);
          if (batch.length === 0) return;
          taken.push(...batch.map((c) => c.connectionId));
        }
      }),
    );
    expect([...taken].sort((a, b) => a - b)).toEqual(ids);
    const rows = await ds.getRepository(SyncState).find();
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    expect(rows.every((r) => r.leaseExpiresAt?.getTime() === at(1 + lease).getTime())).toBe(true);
    // Staff's "sync now" finds each one leased.
    expect(await queue(other).claimNow(ids[0], at(2))).toBeNull();
    expect(await queue(other).isLeased(ids[0], at(2))).toBe(true);
  });

  it('skips connections not syncing or not due, and claims the oldest due first', async () => {
    await scheduled(1, null);
    await ds.getRepository(SyncState).insert([
      { ...newSyncState(2), nextSyncAt: at(60_000) },
      { ...newSyncState(3), nextSyncAt: at(-5_000) },
      { ...newSyncState(4), nextSyncAt: at(-10_000) },
    ]);
    const claims = await queue().claimDue(T0, 10);
    expect(claims.map((c) => c.connectionId)).toEqual([4, 3]);
    // Staff's "sync now": due or not, but never a connection that is not syncing.
    expect(await queue().claimNow(2, T0)).toMatchObject({ connectionId: 2, attempts: 1 });
    expect(await queue().claimNow(1, T0)).toBeNull();
    expect(await queue().isLeased(1, T0)).toBe(false);
  });

  it('lets another process take a connection over once the lease lapsed', async () => {
    await scheduled(1);
    const mine = queue(ds);
    const theirs = queue(other);
    const [first] = await mine.claimDue(T0, 10);
    expect(await stored(1)).toMatchObject({ leaseOwner: mine.owner, attempts: 1 });
    expect(await theirs.claimDue(at(lease - 1), 10)).toEqual([]);
    const [again] = await theirs.claimDue(at(lease + 1), 10);
    expect(again).toMatchObject({ connectionId: 1, attempts: 2 });
    expect(await stored(1)).toMatchObject({ leaseOwner: theirs.owner, attempts: 2 });
    expect(first.leaseExpiresAt!.getTime()).not.toBe(again.leaseExpiresAt!.getTime());
  });

  it("changes nothing for a claimer whose lease another process took: renewal, release, the runner's check", async () => {
    await scheduled(1);
    const mine = queue(ds);
    const theirs = queue(other);
    const [lapsed] = await mine.claimDue(T0, 10);
    const [taken] = await theirs.claimDue(at(lease + 1), 10);
    const before = await stored(1);

    expect(await mine.renew(lapsed, at(lease + 2))).toBe(false);
    expect(await mine.release([lapsed], at(lease + 2))).toBe(0);
    expect(await inTransaction(ds, (manager) => mine.lockHeld(lapsed, manager))).toBeNull();
    expect(await stored(1)).toEqual(before);

    // The owner's own renewal and check succeed, and its release frees the connection at once.
    expect(await theirs.renew(taken, at(lease + 3))).toBe(true);
    expect(await inTransaction(other, (manager) => theirs.lockHeld(taken, manager))).toMatchObject({
      connectionId: 1,
    });
    expect(await theirs.release([taken], at(lease + 4))).toBe(1);
    expect(await stored(1)).toMatchObject({
      leaseOwner: null,
      leaseExpiresAt: null,
      nextSyncAt: at(lease + 4),
    });
  });

  it('releases a lease without rescheduling a connection whose schedule was stopped meanwhile', async () => {
    await scheduled(1);
    const [claim] = await queue().claimDue(T0, 10);
    await inTransaction(ds, (manager) => queue().unschedule(1, manager));
    expect(await queue().release([claim], at(1))).toBe(1);
    expect(await stored(1)).toMatchObject({ leaseExpiresAt: null, nextSyncAt: null });
  });

  it('shows connections failing repeatedly in /health/ready, still scheduled', async () => {
    await scheduled(3);
    await ds.getRepository(SyncState).update({ connectionId: 1 }, { consecutiveFailures: 4 });
    await ds.getRepository(SyncState).update({ connectionId: 2 }, { consecutiveFailures: 3 });
    // Not syncing any more (a refused consent): the monitoring-gap alert tells staff instead.
    await ds
      .getRepository(SyncState)
      .update({ connectionId: 3 }, { consecutiveFailures: 9, nextSyncAt: null });
    const ready = await request(vigil.url ?? '')
      .get('/health/ready')
      .expect(200);
    expect(ready.body.checks.work.detail.failed).toMatchObject({ sync: 1 });

    // An operator's `vigil work retry sync --all`: due now, a clean slate; the others stay.
    expect(await queue().work.retryParked('all', at(5))).toEqual(['1']);
    expect(await stored(1)).toMatchObject({
      consecutiveFailures: 0,
      nextSyncAt: at(5),
      statusReason: null,
      attempts: 0,
    });
    expect(await stored(3)).toMatchObject({ consecutiveFailures: 9, nextSyncAt: null });
  });

  if (engine === 'mysql') {
    it("holds the row while the owner's write checks its lease: a claim meanwhile skips it", async () => {
      await scheduled(1);
      const mine = queue(ds);
      const [claim] = await mine.claimDue(T0, 10);
      let release!: () => void;
      const writing = new Promise<void>((resolve) => (release = resolve));
      let checked!: () => void;
      const holding = new Promise<void>((resolve) => (checked = resolve));
      const owner = inTransaction(ds, async (manager) => {
        expect(await mine.lockHeld(claim, manager)).not.toBeNull();
        checked();
        await writing;
      });
      await holding;
      // Even past the lease, another process skips the row the owner is writing.
      expect(await queue(other).claimDue(at(lease + 1), 10)).toEqual([]);
      release();
      await owner;
    });

    /** The next transaction on `source`, held open after its work as if its commit were slow. */
    function holdNextTransaction(source: DataSource): { open: Promise<void>; commit: () => void } {
      let commit!: () => void;
      const committing = new Promise<void>((resolve) => (commit = resolve));
      let opened!: () => void;
      const open = new Promise<void>((resolve) => (opened = resolve));
      const transaction = source.transaction.bind(source);
      jest.spyOn(source, 'transaction').mockImplementationOnce(((work: (m: never) => unknown) =>
        transaction(async (manager) => {
          const result = await work(manager as never);
          opened();
          await committing;
          return result;
        })) as never);
      return { open, commit };
    }

    const lockable = (connectionId: number): Promise<unknown[]> =>
      ds.query('SELECT connection_id FROM sync_states WHERE connection_id = ? FOR UPDATE NOWAIT', [
        connectionId,
      ]);

    it('passes over the syncs other processes hold without locking them: their owners never wait for a claim', async () => {
      await scheduled(3);
      const mine = queue(ds);
      const [claim] = await mine.claimDue(T0, 1);
      const held = holdNextTransaction(other);
      const theirs = queue(other).claimDue(T0, 10);
      await held.open;
      try {
        await expect(lockable(claim.connectionId)).resolves.toHaveLength(1);
      } finally {
        held.commit();
      }
      expect((await theirs).map((c) => c.connectionId).sort()).toEqual([2, 3]);
      expect(await mine.renew(claim, at(1))).toBe(true);
    });

    it('locks only the connection a claim by key takes', async () => {
      await scheduled(3);
      const held = holdNextTransaction(other);
      const theirs = queue(other).claimNow(2, T0);
      await held.open;
      try {
        for (const free of [1, 3]) await expect(lockable(free)).resolves.toHaveLength(1);
      } finally {
        held.commit();
      }
      expect((await theirs)?.connectionId).toBe(2);
    });
  }
});

/** The migration that moves the schedule from wearable_connections into sync_states. */
describe.each(testEngines())('the sync-queue migration on %s', (engine) => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await freshDatabase(engine);
    const all = engine === 'mysql' ? MYSQL_MIGRATIONS : SQLITE_MIGRATIONS;
    ds = await new DataSource({
      ...dataSourceOptions(db.env),
      // Every migration before the one under test.
      migrations: all.slice(
        0,
        all.findIndex((migration) => migration.name === 'SyncQueue1767040000000'),
      ),
    } as never).initialize();
    await ds.runMigrations();
  });

  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('copies the next sync of connections that can sync, and gives every connection its state', async () => {
    const due = '2026-03-01 10:00:00.000';
    await ds.query(
      `INSERT INTO enrollments (id, pid, status, sync_interval_minutes, created_at, created_by, updated_at)
       VALUES (1, 101, 'active', 60, '${due}', 't', '${due}'), (2, 102, 'paused', 60, '${due}', 't', '${due}'),
              (3, 103, 'active', 60, '${due}', 't', '${due}')`,
    );
    const connection = (id: number, enrollment: number, refresh: number | null) =>
      `(${id}, ${enrollment}, 'google-health', 'u${id}', '', ${refresh ?? 'NULL'}, 0, '${due}', '${due}')`;
    await ds.query(
      `INSERT INTO wearable_connections (id, enrollment_id, provider, health_user_id, granted_scopes, refresh_secret_id, refresh_failures, connected_at, next_sync_at)
       VALUES ${[connection(1, 1, 7), connection(2, 2, 8), connection(3, 3, null)].join(', ')}`,
    );
    await ds.query(
      `INSERT INTO sync_states (connection_id, cursor_date, early_sync_requested, consecutive_failures, unavailable_data_types)
       VALUES (1, '2026-02-28', 0, 2, '')`,
    );
    const { SyncQueue1767040000000: Migration } =
      engine === 'mysql'
        ? await import('../../migrations/mysql/1767040000000-sync-queue')
        : await import('../../migrations/sqlite/1767040000000-sync-queue');
    const runner = ds.createQueryRunner();
    await new Migration().up(runner);
    await runner.release();

    const rows: { connection_id: number; next_sync_at: unknown; cursor_date: unknown }[] =
      await ds.query(
        'SELECT connection_id, next_sync_at, cursor_date, consecutive_failures, attempts FROM sync_states ORDER BY connection_id',
      );
    expect(rows.map((r) => [Number(r.connection_id), r.next_sync_at !== null])).toEqual([
      [1, true], // connected, active: keeps its schedule and its state
      [2, false], // paused enrollment
      [3, false], // no grant
    ]);
    expect(String(rows[0].cursor_date)).toContain('2026-02-28');
    const columns: unknown[] =
      engine === 'mysql'
        ? await ds.query("SHOW COLUMNS FROM wearable_connections LIKE 'next_sync_at'")
        : (await ds.query('PRAGMA table_info(wearable_connections)')).filter(
            (c: { name: string }) => c.name === 'next_sync_at',
          );
    expect(columns).toEqual([]);
  });
});
