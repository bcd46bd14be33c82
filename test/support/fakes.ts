/**
 * In-memory stand-ins for the repositories and ports of alerts, delivery and
 * rules, for unit tests without a database. Each keeps copies (a database
 * hands back new objects too) and remembers the transaction of every write,
 * so a test can show that changes were made in one unit of work; a failed unit
 * of work restores what it changed, as a rollback would.
 */
import type { AlertRepository, NewTransition } from '../../src/alerts/alert.repository';
import { StoredAlert } from '../../src/alerts/alert.entity';
import type { AuditEntry } from '../../src/audit/audit-trail';
import { Environment } from '../../src/config/environment';
import type { Failure } from '../../src/database/leased-queue';
import type { Transaction, Transactions } from '../../src/database/transactions';
import { attemptsSpent } from '../../src/database/work-policy';
import type { Delivery } from '../../src/delivery/delivery.entity';
import type { NewDelivery } from '../../src/delivery/outbox';
import type { OutboxRepository } from '../../src/delivery/outbox.repository';
import { LEASE_MS, MAX_ATTEMPTS } from '../../src/delivery/outbox-policy';
import { JsonLogger } from '../../src/logging/json-logger';

/** What a fake store must give a unit of work so a failure can undo its writes. */
interface Restorable {
  snapshot(): unknown;
  restore(state: unknown): void;
}

const copy = <T>(value: T): T => structuredClone(value);

/** One fake transaction: a token repositories receive, and whether it committed. */
export interface FakeTx {
  id: number;
  state: 'open' | 'committed' | 'rolled back';
}

export const txOf = (tx: Transaction | undefined): FakeTx | undefined =>
  tx as unknown as FakeTx | undefined;

/** Units of work over fake stores: a throw restores every store as it was. */
export class FakeTransactions implements Pick<Transactions, 'run' | 'runRetried' | 'withLock'> {
  readonly units: FakeTx[] = [];
  readonly locks: string[] = [];
  private readonly stores: Restorable[];

  constructor(...stores: Restorable[]) {
    this.stores = stores;
  }

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const tx: FakeTx = { id: this.units.length + 1, state: 'open' };
    this.units.push(tx);
    const before = this.stores.map((store) => store.snapshot());
    try {
      const result = await work(tx as unknown as Transaction);
      tx.state = 'committed';
      return result;
    } catch (error) {
      this.stores.forEach((store, i) => store.restore(before[i]));
      tx.state = 'rolled back';
      throw error;
    }
  }

  runRetried<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.run(work);
  }

  async withLock<T>(name: string, _waitSeconds: number, work: () => Promise<T>): Promise<T> {
    this.locks.push(name);
    return work();
  }

  asTransactions(): Transactions {
    return this as unknown as Transactions;
  }
}

type AlertMethods =
  'latestOfRules' | 'lock' | 'save' | 'addTransitions' | 'find' | 'byIds' | 'recordRouting';

/** The alerts and their transitions, in memory. */
export class FakeAlerts implements Pick<AlertRepository, AlertMethods>, Restorable {
  alerts = new Map<string, StoredAlert>();
  transitions: (NewTransition & { tx: FakeTx | undefined })[] = [];
  /** The transaction of each alert write, in order. */
  writes: { alertId: string; tx: FakeTx | undefined }[] = [];
  private nextId = 1;

  snapshot(): unknown {
    return copy({
      alerts: [...this.alerts],
      transitions: this.transitions,
      writes: this.writes,
      nextId: this.nextId,
    });
  }

  restore(state: unknown): void {
    const s = copy(state) as {
      alerts: [string, StoredAlert][];
      transitions: FakeAlerts['transitions'];
      writes: FakeAlerts['writes'];
      nextId: number;
    };
    this.alerts = new Map(s.alerts);
    this.transitions = s.transitions;
    this.writes = s.writes;
    this.nextId = s.nextId;
  }

  async latestOfRules(pid: number, ruleIds: readonly string[]): Promise<Map<string, StoredAlert>> {
    const latest = new Map<string, StoredAlert>();
    const rows = [...this.alerts.values()]
      .filter((a) => Number(a.pid) === pid && ruleIds.includes(a.ruleId))
      .sort((a, b) =>
        a.episodeStart === b.episodeStart
          ? Number(b.id) - Number(a.id)
          : a.episodeStart < b.episodeStart
            ? 1
            : -1,
      );
    for (const row of rows) if (!latest.has(row.ruleId)) latest.set(row.ruleId, copy(row));
    return latest;
  }

  async lock(id: string): Promise<StoredAlert | null> {
    return this.find(id);
  }

  async find(id: string): Promise<StoredAlert | null> {
    const row = this.alerts.get(id);
    return row === undefined ? null : copy(row);
  }

  async save(row: StoredAlert, tx: Transaction): Promise<StoredAlert> {
    if (row.id === undefined) row.id = String(this.nextId++);
    this.alerts.set(row.id, copy(row));
    this.writes.push({ alertId: row.id, tx: txOf(tx) });
    return row;
  }

  async addTransitions(rows: readonly NewTransition[], tx: Transaction): Promise<void> {
    for (const row of rows) this.transitions.push({ ...copy(row), tx: txOf(tx) });
  }

  async byIds(ids: readonly string[]): Promise<StoredAlert[]> {
    return ids.flatMap((id) => {
      const row = this.alerts.get(id);
      return row === undefined ? [] : [copy(row)];
    });
  }

  async recordRouting(
    alertId: string,
    recipients: string,
    routingReasons: string | null,
    tx?: Transaction,
  ): Promise<void> {
    const row = this.alerts.get(alertId);
    if (row === undefined) return;
    row.recipients = recipients;
    row.routingReasons = routingReasons;
    this.writes.push({ alertId, tx: txOf(tx) });
  }

  /** Test setup: an alert as stored. */
  put(row: Partial<StoredAlert> & { pid: number; ruleId: string }): StoredAlert {
    const stored = Object.assign(new StoredAlert(), {
      id: String(this.nextId++),
      ruleVersion: 1,
      episodeStart: '2026-11-01',
      severity: 'warning',
      state: 'firing',
      lifecycle: '{}',
      ruleTitle: row.ruleId,
      message: '',
      recipients: null,
      routingReasons: null,
      firedAt: null,
      escalatedAt: null,
      createdAt: new Date(0),
      updatedAt: new Date(0),
      ...row,
    });
    this.alerts.set(stored.id, copy(stored));
    return stored;
  }
}

type OutboxMethods =
  | 'enqueue'
  | 'claimDue'
  | 'renew'
  | 'markDelivered'
  | 'markRerouted'
  | 'markWithheld'
  | 'markFailed'
  | 'usersAddressed'
  | 'earlierRoutingWaits';

/** The outbox and its links to alerts, in memory, with the real lease and attempt rules. */
export class FakeOutbox implements Pick<OutboxRepository, OutboxMethods>, Restorable {
  rows: (Delivery & { tx: FakeTx | undefined })[] = [];
  links: { deliveryId: string; alertId: string }[] = [];
  private nextId = 1;

  snapshot(): unknown {
    return copy({ rows: this.rows, links: this.links, nextId: this.nextId });
  }

  restore(state: unknown): void {
    const s = copy(state) as {
      rows: FakeOutbox['rows'];
      links: FakeOutbox['links'];
      nextId: number;
    };
    this.rows = s.rows;
    this.links = s.links;
    this.nextId = s.nextId;
  }

  async enqueue(delivery: NewDelivery, now: Date, tx: Transaction): Promise<Delivery> {
    const id = String(this.nextId++);
    const row = {
      id,
      kind: delivery.kind,
      marker: `marker${id}`,
      dedupKey: delivery.dedupKey ?? null,
      pid: delivery.pid,
      recipient: delivery.recipient ?? null,
      recipientUserId: delivery.recipientUserId ?? null,
      payload: JSON.stringify(delivery.payload),
      status: 'pending' as const,
      attempts: 0,
      nextAttemptAt: now,
      claimedUntil: null,
      lastError: null,
      openEmrRowId: null,
      acknowledgedAt: null,
      createdAt: now,
      deliveredAt: null,
      tx: txOf(tx),
    };
    this.rows.push(row);
    for (const alertId of new Set(delivery.alertIds ?? []))
      this.links.push({ deliveryId: id, alertId });
    return copy(row);
  }

  async claimDue(now: Date, limit: number): Promise<Delivery[]> {
    const due = this.rows
      .filter(
        (r) =>
          r.status === 'pending' &&
          r.nextAttemptAt <= now &&
          (r.claimedUntil === null || r.claimedUntil < now),
      )
      .slice(0, limit);
    const claimedUntil = new Date(now.getTime() + LEASE_MS);
    // Like the real queue, a claim counts the attempt.
    for (const row of due) Object.assign(row, { claimedUntil, attempts: row.attempts + 1 });
    return due.map((row) => copy(row));
  }

  async renew(row: Delivery, now: Date): Promise<boolean> {
    const stored = this.row(row.id);
    if (
      stored.status !== 'pending' ||
      stored.claimedUntil?.getTime() !== row.claimedUntil?.getTime()
    )
      return false;
    stored.claimedUntil = new Date(now.getTime() + LEASE_MS);
    row.claimedUntil = stored.claimedUntil;
    return true;
  }

  async markDelivered(row: Delivery, now: Date, openEmrRowId: number | null): Promise<void> {
    Object.assign(this.row(row.id), {
      status: 'delivered',
      deliveredAt: now,
      openEmrRowId,
      claimedUntil: null,
      lastError: null,
    });
  }

  async markRerouted(row: Delivery, reason: string): Promise<void> {
    Object.assign(this.row(row.id), { status: 'rerouted', claimedUntil: null, lastError: reason });
  }

  async markWithheld(row: Delivery, _now: Date, reason: string): Promise<void> {
    Object.assign(this.row(row.id), {
      status: 'withheld',
      claimedUntil: null,
      lastError: reason,
    });
  }

  async markFailed(row: Delivery, now: Date, reason: string, park = false): Promise<boolean> {
    const parked = park || row.attempts >= MAX_ATTEMPTS;
    Object.assign(this.row(row.id), {
      status: parked ? 'failed' : 'pending',
      // The real wait is jittered; a fixed minute is enough to tell "later" here.
      nextAttemptAt: new Date(now.getTime() + 60_000),
      claimedUntil: null,
      lastError: reason,
    });
    return parked;
  }

  async usersAddressed(alertId: string, kind: Delivery['kind']): Promise<Set<number>> {
    return new Set(
      this.aboutAlert(alertId)
        .filter((r) => r.kind === kind && (r.status === 'pending' || r.status === 'delivered'))
        .map((r) => Number(r.recipientUserId)),
    );
  }

  async earlierRoutingWaits(deliveryId: string, alertId: string): Promise<boolean> {
    return this.aboutAlert(alertId).some(
      (r) => r.kind === 'routing' && r.status === 'pending' && Number(r.id) < Number(deliveryId),
    );
  }

  /** Test reading: the rows of one kind, parsed payloads beside them. */
  ofKind(kind: Delivery['kind']) {
    return this.rows
      .filter((r) => r.kind === kind)
      .map((r) => ({ ...r, body: JSON.parse(r.payload) as Record<string, unknown> }));
  }

  private aboutAlert(alertId: string) {
    const ids = new Set(this.links.filter((l) => l.alertId === alertId).map((l) => l.deliveryId));
    return this.rows.filter((r) => ids.has(r.id));
  }

  private row(id: string) {
    const found = this.rows.find((r) => r.id === id);
    if (found === undefined) throw new Error(`no outbox row ${id}`);
    return found;
  }
}

/** The audit trail: entries with the transaction they were written in. */
export class FakeAudit implements Restorable {
  entries: (AuditEntry & { tx: FakeTx | undefined })[] = [];

  snapshot(): unknown {
    return copy(this.entries);
  }

  restore(state: unknown): void {
    this.entries = copy(state) as FakeAudit['entries'];
  }

  async record(entry: AuditEntry, tx?: Transaction): Promise<void> {
    this.entries.push({ ...entry, tx: txOf(tx) });
  }
}

/** A patient's work a fake queue handed out: its attempts so far. */
interface ClaimedWork {
  pid: number;
  attempts: number;
}

/**
 * A per-patient leased queue's `fail` in memory: answers as LeasedQueue does
 * (parked once `maxAttempts` are spent, else retrying) and notes each failure.
 */
export class FakeFailures {
  readonly failed: { pid: number; attempts: number; reason: string; failure: Failure }[] = [];

  constructor(private readonly maxAttempts = 10) {}

  readonly fail = async (claimed: ClaimedWork, _now: Date, reason: string): Promise<Failure> => {
    const failure = attemptsSpent({ maxAttempts: this.maxAttempts }, claimed.attempts)
      ? 'parked'
      : 'retrying';
    this.failed.push({ pid: claimed.pid, attempts: claimed.attempts, reason, failure });
    return failure;
  };
}

/** An environment with the clinic's settings the services read; the rest as declared. */
export function fakeEnvironment(values: Partial<Environment> = {}): Environment {
  return Object.assign(new Environment(), {
    CLINIC_TIME_ZONE: 'UTC',
    OPENEMR_SERVICE_USERNAME: 'vigil',
    PUBLIC_BASE_URL: 'https://vigil.clinic.example',
    ...values,
  });
}

/** A logger that keeps its lines, so a test can read what was said. */
export function quietLogger(): { logger: JsonLogger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new JsonLogger('debug', (line) => void lines.push(line)), lines };
}
