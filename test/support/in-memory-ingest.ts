import type { DailyAggregate, MetricName } from '../../src/aggregates/daily-aggregate';
import { METRIC_NAMES } from '../../src/aggregates/daily-aggregate';
import type { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import type { AuditEntry, AuditTrail } from '../../src/audit/audit-trail';
import type { SecretStore } from '../../src/crypto/secret-store';
import type { Transaction, Transactions } from '../../src/database/transactions';
import type { PendingEvents } from '../../src/events/pending-events.repository';
import type { SyncState } from '../../src/ingest/sync-state.entity';
import { newSyncState } from '../../src/ingest/sync-state.entity';
import type {
  SyncClaim,
  SyncStateChanges,
  SyncStateRepository,
} from '../../src/ingest/sync-state.repository';
import type { Enrollment } from '../../src/patients/enrollment.entity';
import type { EnrollmentRepository } from '../../src/patients/enrollment.repository';
import type { EvaluationsDueRepository } from '../../src/rules/evaluations-due.repository';
import type { ConnectionRepository, SyncedAt } from '../../src/wearables/connection.repository';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';

/**
 * Ingestion's tables in memory, for unit tests with no database: the
 * repositories SyncRunner, the sync queue and ConnectionTokens write through, and
 * a `Transactions` whose `run` rolls every table back when its work throws, so
 * a test can see that a failed sync left nothing half written.
 */
export class InMemoryIngest {
  connections = new Map<number, WearableConnection>();
  enrollments = new Map<number, Enrollment>();
  states = new Map<number, SyncState>();
  /** `${pid} ${date}` -> the stored day. */
  days = new Map<string, DailyAggregate>();
  evaluationsDue = new Map<number, Set<string>>();
  pendingEvents: { name: string; payload: unknown }[] = [];
  audit: AuditEntry[] = [];
  secrets = new Map<number, { purpose: string; plaintext: string }>();
  private nextSecretId = 1;
  private open: Transaction | null = null;

  /** Rows as read: copies, so a caller's changes reach the table only when it saves them. */
  private static copy<T extends object>(row: T): T {
    return Object.assign(Object.create(Object.getPrototypeOf(row)) as T, row);
  }

  private snapshot(): () => void {
    const copyMap = <K, V extends object>(map: Map<K, V>): Map<K, V> =>
      new Map([...map].map(([key, row]) => [key, InMemoryIngest.copy(row)]));
    const saved = {
      connections: copyMap(this.connections),
      enrollments: copyMap(this.enrollments),
      states: copyMap(this.states),
      days: new Map(this.days),
      evaluationsDue: new Map([...this.evaluationsDue].map(([pid, d]) => [pid, new Set(d)])),
      pendingEvents: [...this.pendingEvents],
      audit: [...this.audit],
      secrets: new Map(this.secrets),
    };
    return () => Object.assign(this, saved);
  }

  /** Writes that belong in a transaction must be given the open one. */
  private inside(transaction: Transaction | undefined, what: string): void {
    if (transaction === undefined || transaction !== this.open)
      throw new Error(`${what} must run inside the open transaction`);
  }

  readonly transactions = {
    run: async <T>(work: (transaction: Transaction) => Promise<T>): Promise<T> => {
      if (this.open) throw new Error('transactions do not nest (SQLite would wait forever)');
      const restore = this.snapshot();
      const transaction = { id: Symbol('transaction') } as unknown as Transaction;
      this.open = transaction;
      try {
        return await work(transaction);
      } catch (error) {
        restore();
        throw error;
      } finally {
        this.open = null;
      }
    },
    runRetried: <T>(work: (transaction: Transaction) => Promise<T>): Promise<T> =>
      this.transactions.run(work),
  } satisfies Pick<Transactions, 'run' | 'runRetried'>;

  readonly connectionRepository = {
    byId: async (id: number) => this.read(this.connections.get(id)),
    ofEnrollment: async (enrollmentId: number) =>
      this.read([...this.connections.values()].find((c) => c.enrollmentId === enrollmentId)),
    connectedOfHealthUser: async (healthUserId: string) =>
      [...this.connections.values()]
        .filter((c) => c.healthUserId === healthUserId && c.disconnectedAt === null)
        .map((c) => c.id),
    lock: async (id: number, transaction: Transaction) => {
      this.inside(transaction, 'lock');
      return this.read(this.connections.get(id));
    },
    save: async (connection: WearableConnection, transaction?: Transaction) => {
      if (transaction !== undefined) this.inside(transaction, 'save');
      this.connections.set(connection.id, InMemoryIngest.copy(connection));
      return connection;
    },
    markAccessExpired: async (id: number) => {
      this.change(this.connections, id, { accessExpiresAt: new Date(0) });
    },
    recordSync: async (id: number, synced: SyncedAt, transaction?: Transaction) => {
      if (transaction !== undefined) this.inside(transaction, 'recordSync');
      this.change(this.connections, id, synced);
    },
  } satisfies Pick<
    ConnectionRepository,
    | 'byId'
    | 'ofEnrollment'
    | 'connectedOfHealthUser'
    | 'lock'
    | 'save'
    | 'markAccessExpired'
    | 'recordSync'
  >;

  readonly enrollmentRepository = {
    byId: async (id: number) => this.read(this.enrollments.get(id)),
    byPid: async (pid: number) =>
      this.read([...this.enrollments.values()].find((e) => Number(e.pid) === pid)),
    markNeedsReconsent: async (id: number, at: Date, transaction: Transaction) => {
      this.inside(transaction, 'markNeedsReconsent');
      this.change(this.enrollments, id, { status: 'needs_reconsent', updatedAt: at });
    },
  } satisfies Pick<EnrollmentRepository, 'byId' | 'byPid' | 'markNeedsReconsent'>;

  /** Lease renewals the runner made. */
  renewals = 0;

  /** The sync queue as LeasedQueue keeps it: a claim writes the lease, which proves ownership. */
  readonly syncStates = {
    owner: 'this-host:1:cafe',
    /** The sync lease, as SYNC_LEASE_SECONDS sets it; tests shorten it. */
    leaseMs: 600_000,
    ofConnection: async (connectionId: number) => this.read(this.states.get(connectionId)),
    lockOfConnections: async (ids: readonly number[], transaction: Transaction) => {
      this.inside(transaction, 'lockOfConnections');
      return ids.flatMap((id) =>
        this.states.has(id) ? [InMemoryIngest.copy(this.states.get(id)!)] : [],
      );
    },
    nextSyncOf: async (ids: readonly number[]) =>
      new Map(ids.map((id) => [id, this.states.get(id)?.nextSyncAt ?? null])),
    isLeased: async (connectionId: number, now: Date) =>
      (this.states.get(connectionId)?.leaseExpiresAt ?? new Date(0)) > now,
    claimDue: async (now: Date, limit: number) =>
      this.claim(
        [...this.states.values()]
          .filter((s) => s.nextSyncAt !== null && s.nextSyncAt <= now)
          .sort((a, b) => a.nextSyncAt!.getTime() - b.nextSyncAt!.getTime())
          .slice(0, limit),
        now,
      ),
    claimNow: async (connectionId: number, now: Date) => {
      const state = this.states.get(connectionId);
      const [claim] = this.claim(state && state.nextSyncAt !== null ? [state] : [], now);
      return claim ?? null;
    },
    renew: async (claim: SyncClaim, now: Date) => {
      const state = this.states.get(claim.connectionId);
      if (state?.leaseExpiresAt?.getTime() !== claim.leaseExpiresAt?.getTime()) return false;
      this.renewals += 1;
      const leaseExpiresAt = new Date(now.getTime() + this.syncStates.leaseMs);
      this.change(this.states, claim.connectionId, { leaseExpiresAt });
      claim.leaseExpiresAt = leaseExpiresAt;
      return true;
    },
    release: async (claims: readonly SyncClaim[], now: Date) => {
      let released = 0;
      for (const claim of claims) {
        const state = this.states.get(claim.connectionId);
        if (state?.leaseExpiresAt?.getTime() !== claim.leaseExpiresAt?.getTime()) continue;
        released += 1;
        this.change(this.states, claim.connectionId, {
          leaseOwner: null,
          leaseExpiresAt: null,
          nextSyncAt: state!.nextSyncAt === null ? null : now,
        });
      }
      return released;
    },
    lockHeld: async (claim: SyncClaim, transaction: Transaction) => {
      this.inside(transaction, 'lockHeld');
      const held = this.states.get(claim.connectionId);
      return held?.leaseExpiresAt?.getTime() === claim.leaseExpiresAt?.getTime() &&
        held?.leaseExpiresAt !== null
        ? InMemoryIngest.copy(held!)
        : null;
    },
    endLease: async (connectionId: number, changes: SyncStateChanges, transaction: Transaction) => {
      this.inside(transaction, 'endLease');
      this.change(this.states, connectionId, {
        ...changes,
        leaseOwner: null,
        leaseExpiresAt: null,
        earlySyncRequested: false,
      });
    },
    schedule: async (connectionId: number, at: Date, transaction: Transaction) => {
      this.inside(transaction, 'schedule');
      this.states.set(connectionId, {
        ...(this.states.get(connectionId) ?? newSyncState(connectionId)),
        nextSyncAt: at,
      });
    },
    unschedule: async (connectionId: number, transaction: Transaction) => {
      this.inside(transaction, 'unschedule');
      this.change(this.states, connectionId, { nextSyncAt: null });
    },
    requestEarly: async (state: SyncState, now: Date, transaction: Transaction) => {
      this.inside(transaction, 'requestEarly');
      const leased = state.leaseExpiresAt !== null && state.leaseExpiresAt > now;
      const sooner = !leased && state.nextSyncAt !== null && state.nextSyncAt > now;
      this.change(this.states, state.connectionId, {
        rereadFrom: state.rereadFrom,
        rereadDataTypes: state.rereadDataTypes,
        earlySyncRequested: leased,
        ...(sooner ? { nextSyncAt: now } : {}),
      });
    },
  } satisfies Omit<Pick<SyncStateRepository, keyof SyncStateRepository>, 'work' | 'syncDue'>;

  private claim(states: SyncState[], now: Date): SyncClaim[] {
    const free = states.filter((s) => !((s.leaseExpiresAt ?? new Date(0)) > now));
    return free.map((s) => {
      const claimed = {
        leaseOwner: this.syncStates.owner,
        leaseExpiresAt: new Date(now.getTime() + this.syncStates.leaseMs),
        attempts: s.attempts + 1,
      };
      this.change(this.states, s.connectionId, claimed);
      const state = InMemoryIngest.copy(this.states.get(s.connectionId)!);
      return { connectionId: s.connectionId, ...claimed, state };
    });
  }

  readonly aggregates = {
    upsert: async (pid: number, days: readonly DailyAggregate[], transaction?: Transaction) => {
      this.inside(transaction, 'upsert');
      for (const day of days) this.days.set(`${pid} ${day.date}`, { ...day });
    },
    series: async (pid: number, from: string, to: string) => this.daysOf(pid, from, to),
    syncedDays: async (pid: number, from: string, to: string) =>
      this.daysOf(pid, from, to).map((day) => ({
        minutesFingerprint: null,
        ...day,
      })),
    metricsWithData: async (pid: number, from: string, to: string) =>
      new Set<MetricName>(
        this.daysOf(pid, from, to).flatMap((day) => METRIC_NAMES.filter((m) => day[m] !== null)),
      ),
  } satisfies Pick<DailyAggregates, 'upsert' | 'series' | 'syncedDays' | 'metricsWithData'>;

  readonly evaluations = {
    record: async (pid: number, dates: readonly string[], _at: Date, transaction: Transaction) => {
      this.inside(transaction, 'record evaluation due');
      if (dates.length === 0) return;
      const due = this.evaluationsDue.get(pid) ?? new Set<string>();
      for (const date of dates) due.add(date);
      this.evaluationsDue.set(pid, due);
    },
  } satisfies Pick<EvaluationsDueRepository, 'record'>;

  readonly events = {
    record: async (name: string, payload: object, _at: Date, transaction: Transaction) => {
      this.inside(transaction, 'record event');
      this.pendingEvents.push({ name, payload });
    },
  } satisfies Pick<PendingEvents, 'record'>;

  readonly auditTrail = {
    record: async (entry: AuditEntry) => {
      this.audit.push(entry);
    },
  } satisfies Pick<AuditTrail, 'record'>;

  readonly secretStore = {
    save: async (purpose: string, plaintext: string) => {
      const id = this.nextSecretId++;
      this.secrets.set(id, { purpose, plaintext });
      return id;
    },
    read: async (id: number) => {
      const secret = this.secrets.get(id);
      if (!secret) throw new Error(`no secret ${id}`);
      return secret.plaintext;
    },
    replace: async (id: number, plaintext: string) => {
      this.secrets.set(id, { ...this.secrets.get(id)!, plaintext });
    },
    erase: async (id: number) => {
      this.secrets.delete(id);
    },
  } satisfies Pick<SecretStore, 'save' | 'read' | 'replace' | 'erase'>;

  private read<T extends object>(row: T | undefined): T | null {
    return row === undefined ? null : InMemoryIngest.copy(row);
  }

  private change<K, T extends object>(table: Map<K, T>, key: K, changes: Partial<T>): void {
    const row = table.get(key);
    if (row) table.set(key, Object.assign(InMemoryIngest.copy(row), changes));
  }

  private daysOf(pid: number, from: string, to: string): DailyAggregate[] {
    return [...this.days.entries()]
      .filter(([key, day]) => key.startsWith(`${pid} `) && day.date >= from && day.date <= to)
      .map(([, day]) => day)
      .sort((a, b) => a.date.localeCompare(b.date));
  }

  /** An active enrollment with a connected wearable, tokens sealed, due now. */
  async connectedPatient(
    pid: number,
    options: { scopes: string[]; accessExpiresAt?: Date; timeZone?: string },
  ): Promise<{ enrollment: Enrollment; connection: WearableConnection }> {
    const now = new Date();
    const id = this.enrollments.size + 1;
    const enrollment: Enrollment = {
      id,
      pid,
      program: null,
      status: 'active',
      timeZone: options.timeZone ?? 'UTC',
      syncIntervalMinutes: 60,
      createdAt: now,
      createdBy: 'test',
      updatedAt: now,
      endedAt: null,
    };
    this.enrollments.set(id, enrollment);
    const connection = Object.assign(new WearableConnection(), {
      id: 100 + id,
      enrollmentId: id,
      provider: 'google-health',
      healthUserId: `health-user-${pid}`,
      legacyUserId: null,
      grantedScopes: options.scopes.join(' '),
      refreshSecretId: await this.secretStore.save('google-oauth-refresh', `refresh-token-${pid}`),
      accessSecretId: await this.secretStore.save('google-oauth-access', `access-token-${pid}`),
      accessExpiresAt: options.accessExpiresAt ?? new Date(now.getTime() + 3_600_000),
      refreshFailures: 0,
      refreshRetryAt: null,
      disconnectTokenHash: null,
      connectedAt: now,
      disconnectedAt: null,
      lastSyncAt: null,
      lastDeviceSyncAt: null,
    });
    this.connections.set(connection.id, connection);
    this.states.set(connection.id, { ...newSyncState(connection.id), nextSyncAt: now });
    return { enrollment, connection };
  }
}
