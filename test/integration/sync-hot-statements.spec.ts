import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrateDatabase } from '../../src/database/migrate';
import { SyncState } from '../../src/ingest/sync-state.entity';
import { SyncStateRepository } from '../../src/ingest/sync-state.repository';
import { StoredSecret } from '../../src/crypto/stored-secret.entity';
import { StoredSecretRepository } from '../../src/crypto/stored-secret.repository';
import { Enrollment } from '../../src/patients/enrollment.entity';
import { EnrollmentRepository } from '../../src/patients/enrollment.repository';
import { ConnectionRepository } from '../../src/wearables/connection.repository';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';

/**
 * The statements every sync sends on sync_states and wearable_connections are
 * hand-written (src/database/raw-columns.ts): they read and write exactly what
 * the entities' repositories read and write, on both engines.
 */
describe.each(testEngines())('a sync’s own statements on %s', (engine) => {
  let db: TestDatabase;
  let ds: DataSource;
  let states: SyncStateRepository;
  let connections: ConnectionRepository;

  const state = (connectionId: number): SyncState =>
    Object.assign(new SyncState(), {
      connectionId,
      nextSyncAt: new Date('2026-12-01T10:00:00.123Z'),
      leaseOwner: 'worker-1',
      leaseExpiresAt: new Date('2026-12-01T10:05:00.456Z'),
      attempts: 2,
      cursorDate: '2026-11-30',
      rereadFrom: '2026-11-20',
      rereadDataTypes: 'steps sleep',
      rereadSpentOn: '2026-11-29',
      earlySyncRequested: true,
      consecutiveFailures: 1,
      statusReason: 'Google refused weight',
      unavailableDataTypes: 'weight',
      historyDataTypes: 'heart-rate steps',
      deviceType: 'TRACKER',
      deviceBattery: 80,
      lastAttemptAt: new Date('2026-12-01T09:00:00.001Z'),
      lastSuccessAt: null,
    });

  const connection = (enrollmentId: number): Partial<WearableConnection> => ({
    enrollmentId,
    provider: 'google-health',
    healthUserId: `user-${enrollmentId}`,
    legacyUserId: null,
    grantedScopes: 'a b',
    refreshSecretId: 3,
    accessSecretId: null,
    accessExpiresAt: new Date('2026-12-01T11:00:00.789Z'),
    refreshFailures: 0,
    refreshRetryAt: null,
    disconnectTokenHash: null,
    connectedAt: new Date('2026-11-01T08:00:00.010Z'),
    disconnectedAt: null,
    lastSyncAt: null,
    lastDeviceSyncAt: new Date('2026-11-30T22:00:00.500Z'),
  });

  beforeAll(async () => {
    db = await freshDatabase(engine);
    ds = await new DataSource(dataSourceOptions(db.env)).initialize();
    await migrateDatabase(ds);
    states = new SyncStateRepository(ds, db.env);
    connections = new ConnectionRepository(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('reads a sync state as the entity’s repository does, and locks it only while the lease stands', async () => {
    await ds.getRepository(SyncState).insert(state(1));
    const read = await states.ofConnection(1);
    expect(read).toStrictEqual(
      await ds.getRepository(SyncState).findOneByOrFail({ connectionId: 1 }),
    );
    expect(read).toStrictEqual(state(1));
    expect(await states.ofConnection(2)).toBeNull();
    await ds.transaction(async (tx) => {
      const claim = { connectionId: 1, leaseExpiresAt: state(1).leaseExpiresAt, attempts: 2 };
      expect(await states.lockHeld(claim, tx)).toStrictEqual(state(1));
      const lapsed = { ...claim, leaseExpiresAt: new Date('2026-12-01T10:05:00.457Z') };
      expect(await states.lockHeld(lapsed, tx)).toBeNull();
    });
  });

  it('ends a lease writing what the entity’s repository would', async () => {
    const repository = ds.getRepository(SyncState);
    await repository.insert([state(3), state(4)]);
    const changes = {
      cursorDate: '2026-12-01',
      consecutiveFailures: 0,
      statusReason: null,
      lastSuccessAt: new Date('2026-12-01T10:01:02.003Z'),
      nextSyncAt: new Date('2026-12-02T10:00:00.999Z'),
      deviceBattery: undefined,
    };
    await ds.transaction((tx) => states.endLease(3, changes, tx));
    await repository.update(
      { connectionId: 4 },
      { ...changes, leaseOwner: null, leaseExpiresAt: null, earlySyncRequested: false },
    );
    const ended = await repository.findOneByOrFail({ connectionId: 3 });
    // Spread copies are plain objects: compared by value, every column.
    expect({ ...ended, connectionId: 4 }).toEqual(
      await repository.findOneByOrFail({ connectionId: 4 }),
    );
    expect(ended).toMatchObject({ leaseOwner: null, earlySyncRequested: false, deviceBattery: 80 });
  });

  it('reads a connection and records its sync as the entity’s repository does', async () => {
    const repository = ds.getRepository(WearableConnection);
    const { identifiers } = await repository.insert([connection(7), connection(8)]);
    const [first, second] = identifiers.map((i) => Number(i.id));
    const read = await connections.byId(first);
    expect(read).toStrictEqual(await repository.findOneByOrFail({ id: first }));
    expect(read?.scopes).toEqual(['a', 'b']);
    expect(await connections.byId(first + 100)).toBeNull();
    const synced = { lastSyncAt: new Date('2026-12-01T10:00:00.321Z') };
    await connections.recordSync(first, synced);
    await repository.update({ id: second }, synced);
    const recorded = await repository.findOneByOrFail({ id: first });
    expect(recorded.lastSyncAt).toEqual(synced.lastSyncAt);
    // Not given, not changed.
    expect(recorded.lastDeviceSyncAt).toEqual(connection(7).lastDeviceSyncAt);
    const other = await repository.findOneByOrFail({ id: second });
    expect({ ...recorded, id: 0, enrollmentId: 0, healthUserId: '' }).toEqual({
      ...other,
      id: 0,
      enrollmentId: 0,
      healthUserId: '',
    });
  });

  it('reads an enrollment and a token’s secret as the entities’ repositories do', async () => {
    const enrollments = new EnrollmentRepository(ds);
    const repository = ds.getRepository(Enrollment);
    const { identifiers } = await repository.insert([
      {
        pid: 9_007_199_254,
        program: null,
        status: 'active',
        timeZone: 'Europe/Berlin',
        syncIntervalMinutes: 360,
        createdAt: new Date('2026-11-01T08:00:00.010Z'),
        createdBy: 'nurse',
        updatedAt: new Date('2026-11-02T08:00:00.999Z'),
        endedAt: null,
      },
      {
        pid: 42,
        program: 'heart failure',
        status: 'ended',
        timeZone: null,
        syncIntervalMinutes: 60,
        createdAt: new Date('2026-11-01T08:00:00.000Z'),
        createdBy: 'nurse',
        updatedAt: new Date('2026-11-03T08:00:00.001Z'),
        endedAt: new Date('2026-11-04T08:00:00.002Z'),
      },
    ]);
    for (const { id } of identifiers) {
      const stored = await repository.findOneByOrFail({ id: Number(id) });
      expect(await enrollments.byId(Number(id))).toStrictEqual(stored);
      expect(await enrollments.byPid(stored.pid)).toStrictEqual(stored);
    }
    expect(await enrollments.byId(-1)).toBeNull();
    expect(await enrollments.byPid(-1)).toBeNull();

    const secrets = new StoredSecretRepository(ds);
    const id = await secrets.insert({
      purpose: 'google-refresh',
      keyId: 'k1',
      ciphertext: 'v1.abc',
      createdAt: new Date('2026-11-01T08:00:00.010Z'),
      updatedAt: new Date('2026-11-01T08:00:00.020Z'),
    });
    const read = await ds.transaction((tx) => secrets.byId(id, tx));
    expect(read).toStrictEqual(await ds.getRepository(StoredSecret).findOneByOrFail({ id }));
    expect(await secrets.byId(id + 1)).toBeNull();
  });
});
