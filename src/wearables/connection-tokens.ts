import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AuditTrail } from '../audit/audit-trail';
import { SecretStore } from '../crypto/secret-store';
import { Transaction, Transactions } from '../database/transactions';
import {
  CONNECTION_NEEDS_RECONSENT,
  EVENTS_RECORDED,
  type ConnectionNeedsReconsent,
} from '../events/contracts';
import { PendingEvents } from '../events/pending-events.repository';
import { EnrollmentRepository } from '../patients/enrollment.repository';
import { ConnectionRepository } from './connection.repository';
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
    private readonly transactions: Transactions,
    private readonly connections: ConnectionRepository,
    private readonly enrollments: EnrollmentRepository,
    private readonly pendingEvents: PendingEvents,
    private readonly secrets: SecretStore,
    private readonly audit: AuditTrail,
    @Inject(WEARABLE_SOURCE) private readonly source: WearableSource,
    /** Absent in one-off commands: what they record waits for a worker's relay. */
    @Optional() private readonly events?: EventEmitter2,
  ) {}

  /**
   * A usable access token for the connection, refreshing it first when it is
   * (nearly) expired. `known`: the row as the caller just read it (a sync's
   * start), spared a second read; a refresh re-reads it under its lock anyway.
   */
  async accessToken(connectionId: number, known?: WearableConnection): Promise<string> {
    const connection =
      known?.id === connectionId ? known : await this.connections.byId(connectionId);
    if (!connection || connection.accessSecretId === null)
      throw new NotConnectedError(connectionId);
    if (accessTokenUsable(connection.accessExpiresAt, this.clock())) {
      return this.secrets.read(connection.accessSecretId);
    }
    const outcome = await this.transactions.run((transaction) =>
      this.refreshLocked(transaction, connectionId),
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
    transaction: Transaction,
    connection: WearableConnection,
    grant: TokenGrant & { refreshToken: string },
  ): Promise<void> {
    await this.eraseTokens(transaction, connection);
    connection.refreshSecretId = await this.secrets.save(
      SECRET_PURPOSE.refresh,
      grant.refreshToken,
      transaction,
    );
    connection.accessSecretId = await this.secrets.save(
      SECRET_PURPOSE.access,
      grant.accessToken,
      transaction,
    );
    connection.accessExpiresAt = accessTokenExpiry(grant.expiresInSeconds, this.clock());
    connection.refreshFailures = 0;
    connection.refreshRetryAt = null;
  }

  /** The refresh token, for revocation at disconnect; null when none is stored. */
  async refreshToken(
    transaction: Transaction,
    connection: WearableConnection,
  ): Promise<string | null> {
    return connection.refreshSecretId === null
      ? null
      : this.secrets.read(connection.refreshSecretId, transaction);
  }

  /** Erases both sealed tokens and clears the row's pointers (the caller saves the row). */
  async eraseTokens(transaction: Transaction, connection: WearableConnection): Promise<void> {
    for (const id of [connection.refreshSecretId, connection.accessSecretId]) {
      if (id !== null) await this.secrets.erase(id, transaction);
    }
    connection.refreshSecretId = null;
    connection.accessSecretId = null;
    connection.accessExpiresAt = null;
  }

  /** The connection, its row locked until the transaction ends (single-flight refresh, disconnect). */
  lockConnection(
    transaction: Transaction,
    connectionId: number,
  ): Promise<WearableConnection | null> {
    return this.connections.lock(connectionId, transaction);
  }

  private async refreshLocked(
    transaction: Transaction,
    connectionId: number,
  ): Promise<RefreshOutcome> {
    const connection = await this.lockConnection(transaction, connectionId);
    if (!connection || connection.refreshSecretId === null) return { kind: 'not-connected' };
    const now = this.clock();
    if (connection.accessSecretId !== null && accessTokenUsable(connection.accessExpiresAt, now)) {
      return {
        kind: 'token',
        accessToken: await this.secrets.read(connection.accessSecretId, transaction),
      };
    }
    if (connection.refreshRetryAt && connection.refreshRetryAt > now) {
      return { kind: 'deferred', retryAt: connection.refreshRetryAt };
    }
    const refreshToken = await this.secrets.read(connection.refreshSecretId, transaction);
    let grant: TokenGrant;
    try {
      grant = await this.source.refresh(refreshToken);
    } catch (error) {
      if (error instanceof InvalidGrantError) {
        return { kind: 'reconsent', moved: await this.markNeedsReconsent(transaction, connection) };
      }
      if (!(error instanceof TokenEndpointError)) throw error;
      connection.refreshFailures += 1;
      connection.refreshRetryAt = new Date(
        now.getTime() + refreshBackoffMs(connection.refreshFailures),
      );
      await this.connections.save(connection, transaction);
      return { kind: 'deferred', retryAt: connection.refreshRetryAt };
    }
    if (connection.accessSecretId === null) {
      connection.accessSecretId = await this.secrets.save(
        SECRET_PURPOSE.access,
        grant.accessToken,
        transaction,
      );
    } else {
      await this.secrets.replace(connection.accessSecretId, grant.accessToken, transaction);
    }
    // Google does not rotate refresh tokens, but keep a new one if it ever sends one.
    if (grant.refreshToken)
      await this.secrets.replace(connection.refreshSecretId, grant.refreshToken, transaction);
    connection.accessExpiresAt = accessTokenExpiry(grant.expiresInSeconds, now);
    connection.refreshFailures = 0;
    connection.refreshRetryAt = null;
    await this.connections.save(connection, transaction);
    return { kind: 'token', accessToken: grant.accessToken };
  }

  /** The grant is dead: stop syncing, drop the useless tokens; says whose enrollment moved. */
  private async markNeedsReconsent(
    transaction: Transaction,
    connection: WearableConnection,
  ): Promise<ConnectionNeedsReconsent | null> {
    await this.eraseTokens(transaction, connection);
    connection.nextSyncAt = null;
    await this.connections.save(connection, transaction);
    const enrollment = await this.enrollments.byId(connection.enrollmentId, transaction);
    const moved = enrollment !== null && enrollment.status !== 'ended';
    if (moved) await this.enrollments.markNeedsReconsent(enrollment.id, this.clock(), transaction);
    await this.audit.record(
      {
        actor: 'system',
        action: 'connection.needs_reconsent',
        subjectType: 'wearable_connection',
        subjectId: connection.id,
        pid: enrollment?.pid ?? null,
        details: { provider: connection.provider, reason: 'invalid_grant' },
      },
      transaction,
    );
    if (!moved) return null;
    const event: ConnectionNeedsReconsent = {
      pid: Number(enrollment.pid),
      enrollmentId: enrollment.id,
      connectionId: connection.id,
    };
    await this.pendingEvents.record(CONNECTION_NEEDS_RECONSENT, event, new Date(), transaction);
    return event;
  }
}
