import { DataSource, EntityManager } from 'typeorm';
import { AuditTrail } from '../../src/audit/audit-trail';
import { AuditEventRepository } from '../../src/audit/audit-event.repository';
import { Environment } from '../../src/config/environment';
import { SecretStore } from '../../src/crypto/secret-store';
import { StoredSecretRepository } from '../../src/crypto/stored-secret.repository';
import { inTransaction, Transactions } from '../../src/database/transactions';
import { PendingEvents } from '../../src/events/pending-events.repository';
import { SyncSchedule } from '../../src/ingest/sync-schedule';
import { newSyncState, SyncState } from '../../src/ingest/sync-state.entity';
import { SyncStateRepository } from '../../src/ingest/sync-state.repository';
import { EnrollmentRepository } from '../../src/patients/enrollment.repository';
import { ConnectionRepository } from '../../src/wearables/connection.repository';
import { Enrollment } from '../../src/patients/enrollment.entity';
import { googleSettingsFor, Simulator } from '../../src/simulator';
import { ConnectionTokens } from '../../src/wearables/connection-tokens';
import { GoogleHealthSource } from '../../src/wearables/google-health/google-health-source';
import type { WearableSource } from '../../src/wearables/wearable-source';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';

/** Vigil's Google settings pointing at a running simulator. */
export const simulatorEnv = (sim: Simulator): Record<string, string> => googleSettingsFor(sim.url);

export interface ConnectOptions {
  scopes?: readonly string[];
  timeZone?: string;
  syncIntervalMinutes?: number;
  /** Due now by default; null = not scheduled. */
  nextSyncAt?: Date | null;
}

/**
 * An active enrollment for `pid` connected to simulator user `userId`, with
 * tokens sealed as consent would leave them (the OAuth dance is consent's test).
 */
export async function connectPatient(
  dataSource: DataSource,
  env: Environment,
  sim: Simulator,
  pid: number,
  userId: string,
  options: ConnectOptions = {},
): Promise<WearableConnection> {
  const tokens = connectionTokensOn(dataSource, env);
  return inTransaction(dataSource, (manager) =>
    connectSimulatedUser(manager, tokens, sim, pid, userId, options),
  );
}

/** ConnectionTokens as a process of its own would build them on `dataSource` (another "process" in tests). */
export function connectionTokensOn(
  dataSource: DataSource,
  env: Environment,
  source: WearableSource = new GoogleHealthSource(env),
): ConnectionTokens {
  return new ConnectionTokens(
    new Transactions(dataSource),
    new ConnectionRepository(dataSource),
    new EnrollmentRepository(dataSource),
    new SyncSchedule(new SyncStateRepository(dataSource, env)),
    new PendingEvents(dataSource),
    new SecretStore(new StoredSecretRepository(dataSource), env),
    new AuditTrail(new AuditEventRepository(dataSource)),
    source,
  );
}

/** The same inside the caller's transaction, for tests and benchmarks that connect many at once. */
export async function connectSimulatedUser(
  manager: EntityManager,
  tokens: ConnectionTokens,
  sim: Simulator,
  pid: number,
  userId: string,
  options: ConnectOptions = {},
): Promise<WearableConnection> {
  const user = sim.cohort.user(userId);
  if (!user) throw new Error(`no simulated user ${userId}`);
  const grant = sim.grantTokens(userId, options.scopes);
  const now = new Date();
  const enrollment = await manager.getRepository(Enrollment).save({
    pid,
    program: null,
    status: 'active',
    timeZone: options.timeZone ?? user.homeTimeZone,
    syncIntervalMinutes: options.syncIntervalMinutes ?? 60,
    createdAt: now,
    createdBy: 'test',
    updatedAt: now,
    endedAt: null,
  });
  const connection = Object.assign(new WearableConnection(), {
    enrollmentId: enrollment.id,
    provider: 'google-health',
    healthUserId: user.healthUserId,
    legacyUserId: null,
    grantedScopes: grant.scope,
    refreshSecretId: null,
    accessSecretId: null,
    accessExpiresAt: null,
    refreshFailures: 0,
    refreshRetryAt: null,
    disconnectTokenHash: null,
    connectedAt: now,
    disconnectedAt: null,
    lastSyncAt: null,
    lastDeviceSyncAt: null,
  });
  await manager.getRepository(WearableConnection).save(connection);
  await tokens.storeGrant(manager, connection, {
    accessToken: grant.access_token,
    refreshToken: grant.refresh_token as string,
    expiresInSeconds: grant.expires_in,
    scopes: grant.scope.split(' '),
  });
  const saved = await manager.getRepository(WearableConnection).save(connection);
  await manager.getRepository(SyncState).insert({
    ...newSyncState(saved.id),
    nextSyncAt: options.nextSyncAt === undefined ? now : options.nextSyncAt,
  });
  return saved;
}

/** Sets when the connection syncs next (null: not syncing), as if ingestion had scheduled it. */
export async function setNextSync(
  dataSource: DataSource,
  connectionId: number,
  at: Date | null,
): Promise<void> {
  await dataSource.getRepository(SyncState).update({ connectionId }, { nextSyncAt: at });
}

/** When the connection syncs next (null: not syncing). */
export async function nextSyncOf(
  dataSource: DataSource,
  connectionId: number,
): Promise<Date | null> {
  const state = await dataSource.getRepository(SyncState).findOneByOrFail({ connectionId });
  return state.nextSyncAt;
}
