import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail';
import { SecretStore } from '../crypto/secret-store';
import { inTransaction } from '../database/transactions';
import {
  CONNECTION_NEEDS_RECONSENT,
  EVENTS_RECORDED,
  type ConnectionNeedsReconsent,
} from '../events/contracts';
import { recordEvent } from '../events/pending-events.repository';
import { Enrollment } from '../patients/enrollment.entity';
import { accessTokenExpiry, accessTokenUsable, refreshBackoffMs } from './token-timing';
import { WearableConnection } from './wearable-connection.entity';
import {
  InvalidGrantError,
  TokenEndpointError,
  TokenGrant,
  WEARABLE_SOURCE,
  WearableSource,
} from './wearable-source';

const SECRET_PURPOSE = { refresh: 'google-oauth-refresh', access: 'google-oauth-access' };

/** Google refused the stored grant; the enrollment now needs the patient to consent again. */
export class ReconsentNeededError extends Error {
  constructor(readonly connectionId: number) {
    super(`Connection ${connectionId} needs the patient to consent again`);
    this.name = 'ReconsentNeededError';
  }
}

/** The token endpoint failed recently; no call is made before `retryAt`. */
export class RefreshDeferredError extends Error {
  constructor(
    readonly connectionId: number,
    readonly retryAt: Date,
  ) {
    super(
      `Token refresh for connection ${connectionId} is backing off until ${retryAt.toISOString()}`,
    );
    this.name = 'RefreshDeferredError';
  }
}

/** The connection has no tokens (never connected, disconnected, or needs re-consent). */
export class NotConnectedError extends Error {
  constructor(readonly connectionId: number) {
    super(`Connection ${connectionId} holds no tokens`);
    this.name = 'NotConnectedError';
  }
}

type RefreshOutcome =
  | { kind: 'token'; accessToken: string }
  | { kind: 'reconsent'; moved: ConnectionNeedsReconsent | null }
  | { kind: 'deferred'; retryAt: Date }
  | { kind: 'not-connected' };

/**
 * Keeps each connection's tokens sealed and fresh. A refresh is single-flight
 * per connection across processes: it holds the connection's row lock
 * (SELECT ... FOR UPDATE on MySQL; the queued SQLite transaction otherwise),
 * re-reads the row, and stores the new token before anyone uses it, so twenty
 * callers that find an expired token cause one call to Google.
 */
@Injectable()
export class ConnectionTokens {
  /** Replaceable in tests to move time forward. */
  clock: () => Date = () => new Date();

  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretStore,
    private readonly audit: AuditTrail,
    @Inject(WEARABLE_SOURCE) private readonly source: WearableSource,
    /** Absent in one-off commands: what they record waits for a worker's relay. */
    @Optional() private readonly events?: EventEmitter2,
  ) {}

  /** A usable access token for the connection, refreshing it first when it is (nearly) expired. */
  async accessToken(connectionId: number): Promise<string> {
    const connection = await this.dataSource
      .getRepository(WearableConnection)
      .findOneBy({ id: connectionId });
    if (!connection || connection.accessSecretId === null)
      throw new NotConnectedError(connectionId);
    if (accessTokenUsable(connection.accessExpiresAt, this.clock())) {
      return this.secrets.read(connection.accessSecretId);
    }
    const outcome = await inTransaction(this.dataSource, (manager) =>
      this.refreshLocked(manager, connectionId),
    );
    switch (outcome.kind) {
      case 'token':
        return outcome.accessToken;
      case 'reconsent':
        // Recorded with the change; the relay hands it on after the commit, so listeners read the new status.
        if (outcome.moved !== null) this.events?.emit(EVENTS_RECORDED);
        throw new ReconsentNeededError(connectionId);
      case 'deferred':
        throw new RefreshDeferredError(connectionId, outcome.retryAt);
      case 'not-connected':
        throw new NotConnectedError(connectionId);
    }
  }

  /** Seals a fresh grant into the connection row (new or re-consented), in the caller's transaction. */
  async storeGrant(
    manager: EntityManager,
    connection: WearableConnection,
    grant: TokenGrant & { refreshToken: string },
  ): Promise<void> {
    await this.eraseTokens(manager, connection);
    connection.refreshSecretId = await this.secrets.save(
      SECRET_PURPOSE.refresh,
      grant.refreshToken,
      manager,
    );
    connection.accessSecretId = await this.secrets.save(
      SECRET_PURPOSE.access,
      grant.accessToken,
      manager,
    );
    connection.accessExpiresAt = accessTokenExpiry(grant.expiresInSeconds, this.clock());
    connection.refreshFailures = 0;
    connection.refreshRetryAt = null;
  }

  /** The refresh token, for revocation at disconnect; null when none is stored. */
  async refreshToken(
    manager: EntityManager,
    connection: WearableConnection,
  ): Promise<string | null> {
    return connection.refreshSecretId === null
      ? null
      : this.secrets.read(connection.refreshSecretId, manager);
  }

  /** Erases both sealed tokens and clears the row's pointers (the caller saves the row). */
  async eraseTokens(manager: EntityManager, connection: WearableConnection): Promise<void> {
    for (const id of [connection.refreshSecretId, connection.accessSecretId]) {
      if (id !== null) await this.secrets.erase(id, manager);
    }
    connection.refreshSecretId = null;
    connection.accessSecretId = null;
    connection.accessExpiresAt = null;
  }

  /**
   * Locks the connection's row until the transaction ends, so one caller at a
   * time refreshes and later callers find the fresh token. MySQL: SELECT ...
   * FOR UPDATE (never FOR SHARE, which MariaDB rejects). The embedded SQLite
   * database belongs to one process, whose transactions are queued instead.
   */
  async lockConnection(
    manager: EntityManager,
    connectionId: number,
  ): Promise<WearableConnection | null> {
    const query = manager
      .getRepository(WearableConnection)
      .createQueryBuilder('c')
      .where('c.id = :id', { id: connectionId });
    if (this.dataSource.options.type === 'mysql') query.setLock('pessimistic_write');
    return query.getOne();
  }

  private async refreshLocked(
    manager: EntityManager,
    connectionId: number,
  ): Promise<RefreshOutcome> {
    const connection = await this.lockConnection(manager, connectionId);
    if (!connection || connection.refreshSecretId === null) return { kind: 'not-connected' };
    const now = this.clock();
    if (connection.accessSecretId !== null && accessTokenUsable(connection.accessExpiresAt, now)) {
      return {
        kind: 'token',
        accessToken: await this.secrets.read(connection.accessSecretId, manager),
      };
    }
    if (connection.refreshRetryAt && connection.refreshRetryAt > now) {
      return { kind: 'deferred', retryAt: connection.refreshRetryAt };
    }
    const refreshToken = await this.secrets.read(connection.refreshSecretId, manager);
    const repo = manager.getRepository(WearableConnection);
    let grant: TokenGrant;
    try {
      grant = await this.source.refresh(refreshToken);
    } catch (error) {
      if (error instanceof InvalidGrantError) {
        return { kind: 'reconsent', moved: await this.markNeedsReconsent(manager, connection) };
      }
      if (!(error instanceof TokenEndpointError)) throw error;
      connection.refreshFailures += 1;
      connection.refreshRetryAt = new Date(
        now.getTime() + refreshBackoffMs(connection.refreshFailures),
      );
      await repo.save(connection);
      return { kind: 'deferred', retryAt: connection.refreshRetryAt };
    }
    if (connection.accessSecretId === null) {
      connection.accessSecretId = await this.secrets.save(
        SECRET_PURPOSE.access,
        grant.accessToken,
        manager,
      );
    } else {
      await this.secrets.replace(connection.accessSecretId, grant.accessToken, manager);
    }
    // Google does not rotate refresh tokens, but keep a new one if it ever sends one.
    if (grant.refreshToken)
      await this.secrets.replace(connection.refreshSecretId, grant.refreshToken, manager);
    connection.accessExpiresAt = accessTokenExpiry(grant.expiresInSeconds, now);
    connection.refreshFailures = 0;
    connection.refreshRetryAt = null;
    await repo.save(connection);
    return { kind: 'token', accessToken: grant.accessToken };
  }

  /** The grant is dead: stop syncing, drop the useless tokens; says whose enrollment moved. */
  private async markNeedsReconsent(
    manager: EntityManager,
    connection: WearableConnection,
  ): Promise<ConnectionNeedsReconsent | null> {
    await this.eraseTokens(manager, connection);
    connection.nextSyncAt = null;
    await manager.getRepository(WearableConnection).save(connection);
    const enrollment = await manager
      .getRepository(Enrollment)
      .findOneBy({ id: connection.enrollmentId });
    const moved = enrollment !== null && enrollment.status !== 'ended';
    if (moved) {
      enrollment.status = 'needs_reconsent';
      enrollment.updatedAt = this.clock();
      await manager.getRepository(Enrollment).save(enrollment);
    }
    await this.audit.record(
      {
        actor: 'system',
        action: 'connection.needs_reconsent',
        subjectType: 'wearable_connection',
        subjectId: connection.id,
        pid: enrollment?.pid ?? null,
        details: { provider: connection.provider, reason: 'invalid_grant' },
      },
      manager,
    );
    if (!moved) return null;
    const event: ConnectionNeedsReconsent = {
      pid: Number(enrollment.pid),
      enrollmentId: enrollment.id,
      connectionId: connection.id,
    };
    await recordEvent(manager, CONNECTION_NEEDS_RECONSENT, event, new Date());
    return event;
  }
}
