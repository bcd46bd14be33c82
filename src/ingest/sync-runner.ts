import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DailyAggregate, METRIC_NAMES } from '../aggregates/daily-aggregate';
import { DailyAggregates, SyncedDay } from '../aggregates/daily-aggregates.repository';
import { downsample } from '../aggregates/downsample';
import { nightStarts } from '../aggregates/main-sleep';
import { AuditTrail, CONNECTION_CHANGES } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { Transaction, Transactions } from '../database/transactions';
import { JsonLogger } from '../logging/json-logger';
import { Enrollment } from '../patients/enrollment.entity';
import { EnrollmentRepository } from '../patients/enrollment.repository';
import { EvaluationsDueRepository } from '../rules/evaluations-due.repository';
import { PATIENT_SYNCED, PatientSynced } from '../events/contracts';
import {
  NotConnectedError,
  ReconsentNeededError,
  RefreshDeferredError,
} from '../wearables/connection-tokens';
import { DataTypeId } from '../wearables/google-health/data-types';
import { GoogleApiError } from '../wearables/google-health/google-health-source';
import { pointsFromRollUp, RolledUpType, RollUpWindow } from '../wearables/google-health/roll-ups';
import {
  GoogleHealthReader,
  GoogleHealthUnavailableError,
  PairedDevice,
  ReadContext,
  ScopeInsufficientError,
} from '../wearables/google-health/health-api-reader';
import { MalformedResponseError, WearablePoints } from '../wearables/google-health/points';
import { GOOGLE_HEALTH_SCOPES } from '../wearables/google-health/scopes';
import { ConnectionRepository, type SyncedAt } from '../wearables/connection.repository';
import { WearableConnection } from '../wearables/wearable-connection.entity';
import {
  failureBackoffMs,
  nextSyncDelayMs,
  REPEATED_FAILURES,
} from '../wearables/google-health/retry-policy';
import { keepUnread, METRIC_DATA_TYPES } from './data-needs';
import { deviceTypeChange } from './device-change';
import { RuleDataNeeds } from './rule-data-needs';
import {
  completeThrough,
  historyAfter,
  PlanInput,
  planSync,
  RangeRequest,
  readFrom,
  Reread,
  SyncPlan,
} from './sync-plan';
import { FINGERPRINTED, fingerprints, minutesFrom } from './minutes-check';
import { addDays, localDateAt } from '../time';
import { newSyncState, SyncState } from './sync-state.entity';
import { SyncClaim, SyncStateChanges, SyncStateRepository } from './sync-state.repository';
import { RecentUserBudgets } from './user-budgets';
import { Metrics } from '../metrics/metrics';

const CONTEXT = 'Ingest';

export type SyncOutcome =
  | { status: 'synced'; pid: number; kind: SyncPlan['kind']; dates: string[]; changed: string[] }
  | { status: 'failed'; pid: number | null; reason: string; retryAt: Date | null }
  | { status: 'skipped'; pid: number | null; reason: string };

/** Another process took the lease over (ours expired): nothing of this sync may be written. */
class LeaseLostError extends Error {}

/** What a failed sync tells staff, and when to try again (null = not until re-consent). */
interface FailureVerdict {
  reason: string;
  retryAt: Date | null;
  counts: boolean;
}

/** Budgets kept for patients synced lately; more while more have requests within the minute. */
const RECENT_USER_BUDGETS = 1000;

/** Kept with the refused data types when Google refuses the paired-devices list. */
const PAIRED_DEVICES = 'paired-devices';

/**
 * One patient sync: plan, read (within rate limits), reduce to days, then
 * write every day together with the cursor in one transaction, and tell the
 * rules which dates changed. Raw points live only in this call.
 */
@Injectable()
export class SyncRunner {
  random: () => number = Math.random;
  /** Per-user request budgets, across a patient's back-to-back syncs in this process. */
  private readonly userBudgets: RecentUserBudgets;

  constructor(
    private readonly transactions: Transactions,
    private readonly connections: ConnectionRepository,
    private readonly enrollments: EnrollmentRepository,
    private readonly states: SyncStateRepository,
    private readonly evaluationsDue: EvaluationsDueRepository,
    private readonly env: Environment,
    private readonly reader: GoogleHealthReader,
    private readonly aggregates: DailyAggregates,
    private readonly events: EventEmitter2,
    private readonly logger: JsonLogger,
    private readonly needs: RuleDataNeeds,
    private readonly metrics: Metrics,
    private readonly audit: AuditTrail,
  ) {
    this.userBudgets = new RecentUserBudgets(
      env.GOOGLE_USER_REQUESTS_PER_MINUTE,
      RECENT_USER_BUDGETS,
    );
  }

  async run(claim: SyncClaim): Promise<SyncOutcome> {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const outcome = await this.sync(claim);
      this.metrics.syncFinished(outcome.status, seconds());
      return outcome;
    } catch (error) {
      this.metrics.syncFinished('error', seconds());
      throw error;
    }
  }

  private async sync(claim: SyncClaim): Promise<SyncOutcome> {
    const id = claim.connectionId;
    const connection = await this.connections.byId(id);
    const enrollment = connection ? await this.enrollments.byId(connection.enrollmentId) : null;
    if (!connection || !enrollment || enrollment.status !== 'active') {
      // Its schedule should have stopped with the enrollment: stop it, or it is claimed again at once.
      await this.transactions
        .run((transaction) => this.finishLease(transaction, claim, { nextSyncAt: null }))
        .catch((error: unknown) => {
          if (!(error instanceof LeaseLostError)) throw error;
        });
      return {
        status: 'skipped',
        pid: enrollment?.pid ?? null,
        reason: 'not an active enrollment',
      };
    }
    const state = claim.state ?? (await this.states.ofConnection(id)) ?? newSyncState(id);
    const pid = Number(enrollment.pid);
    const started = Date.now();
    const timeZone = enrollment.timeZone ?? 'UTC';
    // A consent given since the last good sync may grant what Google refused, or be
    // another Google account: forget the refusals, and hold no type's history, so the
    // planner reads the whole backfill again.
    const reconsented =
      state.lastSuccessAt !== null && connection.connectedAt > state.lastSuccessAt;
    const unavailable = reconsented
      ? new Set<string>()
      : new Set(state.unavailableDataTypes.split(' ').filter(Boolean));
    const history = reconsented
      ? new Set<string>()
      : state.historyDataTypes === null
        ? null
        : new Set(state.historyDataTypes.split(' '));
    const needs = await this.needs.ofProgram(enrollment.program);
    const input: PlanInput = {
      now: started,
      timeZone,
      cursorDate: state.cursorDate,
      rereadFrom: state.rereadFrom,
      rereadDataTypes: state.rereadDataTypes?.split(' ').filter(Boolean) ?? null,
      grantedScopes: connection.scopes,
      unavailable,
      history,
      needed: needs.dataTypes,
      backfillDays: this.env.BACKFILL_DAYS,
      rereadDays: this.env.REREAD_DAYS,
      intraday: this.env.GOOGLE_HEALTH_INTRADAY_READS,
      rereadSpentOn: reconsented ? null : state.rereadSpentOn,
      deviceSyncNeeded: needs.deviceSync,
      silent: {
        dataTypes: await this.silentTypes(pid, history, started, timeZone),
        lastSuccessAt: state.lastSuccessAt?.getTime() ?? null,
      },
    };
    const planned = planSync(input);
    const context: ReadContext = {
      connectionId: id,
      userBudget: this.userBudgets.acquire(id),
      connection,
    };
    const renewal = this.keep(claim);
    try {
      const device = planned.readDevice
        ? await this.readDevice(context, connection, unavailable)
        : null;
      // With the evening before the first day: its minutes' fingerprint is checked too.
      const stored = await this.aggregates.syncedDays(pid, addDays(planned.from, -1), planned.to);
      const wholeRange = await this.readWholeRange(context, planned, unavailable, timeZone);
      const { changedFrom, fetched } = await this.checkMinutes(
        context,
        input,
        planned,
        stored,
        wholeRange,
        unavailable,
      );
      const checked: PlanInput =
        changedFrom === null ? input : { ...input, minutesFrom: changedFrom };
      const plan = withFirstNight(checked, stored, wholeRange);
      const read = await this.readChunks(context, plan, stored, wholeRange, unavailable, timeZone);
      // Not read this sync: the days count as complete by the clock, and the next
      // day's re-read (or a webhook) picks up what the watch sends late.
      const lastDeviceSync = device?.lastSyncTime ?? null;
      const cursor = completeThrough(started, timeZone, lastDeviceSync, state.cursorDate);
      const previous = stored.filter((day) => day.date >= plan.from);
      const days = withFingerprints(plan, withUnreadKept(plan, previous, read), previous, fetched);
      const changed = changedDates(previous, days);
      const syncedAt: SyncedAt = {
        lastSyncAt: new Date(),
        ...(lastDeviceSync !== null ? { lastDeviceSyncAt: new Date(lastDeviceSync) } : {}),
      };
      // The claim's lease is the proof of ownership: no renewal may move it while we check it.
      await renewal.end();
      await this.transactions.run(async (transaction) => {
        const interval = enrollment.syncIntervalMinutes * 60_000;
        await this.finishLease(
          transaction,
          claim,
          {
            cursorDate: cursor,
            rereadSpentOn: plan.reread ? plan.to : state.rereadSpentOn,
            consecutiveFailures: 0,
            statusReason: unavailableReason(unavailable),
            unavailableDataTypes: [...unavailable].join(' '),
            historyDataTypes: historyAfter(plan, history, unavailable).join(' '),
            deviceType: device?.deviceType ?? state.deviceType,
            deviceBattery: device?.batteryLevel ?? state.deviceBattery,
            lastAttemptAt: new Date(started),
            lastSuccessAt: new Date(),
            attempts: 0,
          },
          (held) =>
            held.earlySyncRequested
              ? new Date()
              : new Date(Date.now() + nextSyncDelayMs(interval, this.random())),
          state,
        );
        await this.aggregates.upsert(pid, days, transaction);
        // Another kind of device measures differently: staff see the change and the charts break.
        const deviceChange = deviceTypeChange(state.deviceType, device?.deviceType ?? null);
        if (deviceChange !== null) {
          await this.audit.record(
            {
              actor: 'system',
              action: CONNECTION_CHANGES.device,
              subjectType: 'wearable_connection',
              subjectId: id,
              pid,
              details: deviceChange,
            },
            transaction,
          );
        }
        // Kept until the rules evaluated these days, should this process stop first.
        await this.evaluationsDue.record(pid, changed, new Date(), transaction);
        await this.connections.recordSync(id, syncedAt, transaction);
      });
      this.logger.log(
        `Synced patient ${pid} (${plan.kind} ${plan.from}..${plan.to}, ${plan.dataTypes.length} data type(s), ${changed.length} day(s) changed) in ${Date.now() - started} ms`,
        CONTEXT,
      );
      // Also when nothing changed: a sync is news of its own (monitoring resumed).
      const event: PatientSynced = {
        pid,
        dates: changed,
        // What the evaluation would read back: the enrollment and connection as this sync left them.
        patient: {
          pid,
          program: enrollment.program,
          timeZone: enrollment.timeZone ?? this.env.CLINIC_TIME_ZONE,
          lastSyncAt: syncedAt.lastSyncAt,
          lastDeviceSyncAt: syncedAt.lastDeviceSyncAt ?? connection.lastDeviceSyncAt,
          connectedAt: connection.connectedAt,
        },
      };
      this.events.emit(PATIENT_SYNCED, event);
      return { status: 'synced', pid, kind: plan.kind, dates: days.map((d) => d.date), changed };
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.logger.warn(`Sync of patient ${pid} lost its lease; nothing written`, CONTEXT);
        return { status: 'skipped', pid, reason: 'lease lost' };
      }
      const verdict = this.judge(error, state.consecutiveFailures + 1, enrollment);
      await renewal.end();
      await this.recordFailure(claim, verdict, unavailable, started);
      this.logger.warn(`Sync of patient ${pid} failed: ${verdict.reason}`, CONTEXT);
      return { status: 'failed', pid, reason: verdict.reason, retryAt: verdict.retryAt };
    } finally {
      await renewal.end();
      this.userBudgets.release(id);
    }
  }

  /** The tracker's last sync and battery; unknown when not granted or refused (not a failure). */
  private async readDevice(
    context: ReadContext,
    connection: WearableConnection,
    unavailable: Set<string>,
  ): Promise<PairedDevice | null> {
    if (!connection.scopes.includes(GOOGLE_HEALTH_SCOPES.settings)) return null;
    if (unavailable.has(PAIRED_DEVICES)) return null;
    try {
      return trackerOf(await this.reader.pairedDevices(context));
    } catch (error) {
      if (!(error instanceof ScopeInsufficientError)) throw error;
      unavailable.add(PAIRED_DEVICES);
      return null;
    }
  }

  /** Types whose whole history the stored days hold, yet none of whose values arrived in it. */
  private async silentTypes(
    pid: number,
    history: ReadonlySet<string> | null,
    now: number,
    timeZone: string,
  ): Promise<Set<string>> {
    if (history === null || history.size === 0) return new Set();
    const today = localDateAt(now, timeZone);
    const withData = await this.aggregates.metricsWithData(
      pid,
      addDays(today, -(this.env.BACKFILL_DAYS - 1)),
      today,
    );
    const delivering = new Set([...withData].map((metric) => METRIC_DATA_TYPES[metric][0]));
    return new Set([...history].filter((dataType) => !delivering.has(dataType as DataTypeId)));
  }

  /** The sparse types, read once for the whole range and kept for every chunk. */
  private async readWholeRange(
    context: ReadContext,
    plan: SyncPlan,
    unavailable: Set<string>,
    timeZone: string,
  ): Promise<WearablePoints> {
    const wholeRange: WearablePoints = {};
    for (const query of plan.wholeRange)
      await this.read(context, query, wholeRange, unavailable, timeZone);
    return wholeRange;
  }

  /**
   * The day's re-read asks heart rate's and steps' quarter hours before any
   * minute (minutes-check.ts), and reads minutes only from the first day that
   * changed (`changedFrom`, null: as planned), the days before becoming
   * partial days. `fetched`: the fingerprints to store with the days whose
   * minutes this sync reads whole.
   */
  private async checkMinutes(
    context: ReadContext,
    input: PlanInput,
    plan: SyncPlan,
    stored: readonly SyncedDay[],
    wholeRange: WearablePoints,
    unavailable: Set<string>,
  ): Promise<{ changedFrom: string | null; fetched: ReadonlyMap<string, string> | null }> {
    const check = plan.minutesCheck;
    if (check === null) return { changedFrom: null, fetched: null };
    const byType = new Map<RolledUpType, RollUpWindow[]>();
    try {
      for (const query of check.queries)
        byType.set(query.dataType, await this.reader.rollUp(context, query));
    } catch (error) {
      if (!(error instanceof ScopeInsufficientError)) throw error;
      // The minutes' own read leaves the type out, as it would have.
      if (error.dataType !== null) unavailable.add(error.dataType);
      return { changedFrom: null, fetched: null };
    }
    const fetched = fingerprints(check, byType, input.timeZone);
    const dates: string[] = [];
    for (let date = plan.from; date <= check.through; date = addDays(date, 1)) dates.push(date);
    const fresh = new Map(downsample(wholeRange, { dates }).map((day) => [day.date, day]));
    const from = minutesFrom(
      check,
      plan.from,
      fetched,
      new Map(stored.map((day) => [day.date, day])),
      fresh,
    );
    return { changedFrom: from > plan.from ? from : null, fetched };
  }

  /**
   * Reads each chunk and reduces it at once, so raw points never outlive their
   * chunk; the dense points a chunk's evening before needs are carried over
   * from the chunk before rather than read twice.
   */
  private async readChunks(
    context: ReadContext,
    plan: SyncPlan,
    stored: readonly SyncedDay[],
    wholeRange: WearablePoints,
    unavailable: Set<string>,
    timeZone: string,
  ): Promise<DailyAggregate[]> {
    const days: DailyAggregate[] = [];
    let carried: WearablePoints = {};
    for (let i = 0; i < plan.chunks.length; i++) {
      const chunk = plan.chunks[i];
      const read: WearablePoints = {};
      for (const query of chunk.requests)
        await this.read(context, query, read, unavailable, timeZone);
      const points: WearablePoints = { ...wholeRange, ...withCarried(read, carried) };
      const stepsKnownOn =
        points.steps === undefined ? undefined : eveningStepsKnown(plan, chunk.dates, days, stored);
      for (const day of downsample(points, { dates: chunk.dates, stepsKnownOn })) days.push(day);
      const next = plan.chunks[i + 1];
      carried = next === undefined ? {} : pointsFrom(points, next.contextFrom, read);
    }
    return days;
  }

  /** A type Google refuses for lack of scope is left out (its columns stay null) and not asked again. */
  private async read(
    context: ReadContext,
    query: RangeRequest,
    into: WearablePoints,
    unavailable: Set<string>,
    timeZone: string,
  ): Promise<void> {
    if (unavailable.has(query.dataType)) return;
    const points = into as Record<DataTypeId, unknown>;
    try {
      if (query.method === 'list') {
        points[query.dataType] = await this.reader.list(context, query);
      } else {
        const windows = await this.reader.rollUp(context, query);
        points[query.dataType] =
          query.dataType === 'heart-rate'
            ? pointsFromRollUp('heart-rate', windows, timeZone)
            : pointsFromRollUp('steps', windows, timeZone);
      }
    } catch (error) {
      if (!(error instanceof ScopeInsufficientError)) throw error;
      unavailable.add(query.dataType);
      delete points[query.dataType];
    }
  }

  /**
   * Checks that the claim's lease still stands (the row locked), clears it and
   * saves the state; the next sync at `next(held)` unless the schedule was
   * stopped meanwhile (staff paused the patient: a stop always wins). `spent`:
   * the webhook re-read this sync read, cleared unless a webhook widened it
   * while the sync ran (the early sync then reads it).
   */
  private async finishLease(
    transaction: Transaction,
    claim: SyncClaim,
    changes: SyncStateChanges,
    next?: (held: SyncState) => Date | null,
    spent?: Reread,
  ): Promise<void> {
    const held = await this.states.lockHeld(claim, transaction);
    if (!held) throw new LeaseLostError();
    const rereadRead =
      spent !== undefined &&
      held.rereadFrom === spent.rereadFrom &&
      held.rereadDataTypes === spent.rereadDataTypes;
    const scheduled = held.nextSyncAt !== null && next !== undefined;
    await this.states.endLease(
      claim.connectionId,
      {
        ...changes,
        ...(rereadRead ? { rereadFrom: null, rereadDataTypes: null } : {}),
        ...(scheduled ? { nextSyncAt: next(held) } : {}),
      },
      transaction,
    );
  }

  private async recordFailure(
    claim: SyncClaim,
    verdict: FailureVerdict,
    unavailable: Set<string>,
    started: number,
  ): Promise<void> {
    await this.transactions.run(async (transaction) => {
      const state = await this.states.ofConnection(claim.connectionId, transaction);
      try {
        await this.finishLease(
          transaction,
          claim,
          {
            consecutiveFailures: (state?.consecutiveFailures ?? 0) + (verdict.counts ? 1 : 0),
            statusReason: verdict.reason.slice(0, 255),
            unavailableDataTypes: [...unavailable].join(' '),
            lastAttemptAt: new Date(started),
          },
          // No retry (a refused consent): the schedule stops until the patient connects again.
          () => verdict.retryAt,
        );
      } catch (error) {
        if (error instanceof LeaseLostError) return;
        throw error;
      }
    });
  }

  /**
   * Keeps the claim's lease while its sync runs: every third of a lease it
   * moves a whole lease ahead. A backfill slowed by Google's rate limits can
   * outlast one lease, and another process must not start the same patient
   * meanwhile; a crash still frees the patient one lease after the last
   * renewal. `end` waits for a renewal under way, so the claim then holds
   * the lease as the database does.
   */
  private keep(claim: SyncClaim): { end(): Promise<void> } {
    let renewing: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      renewing = renewing.then(() => this.states.renew(claim, new Date())).catch(() => undefined);
    }, this.states.leaseMs / 3);
    timer.unref();
    return {
      end: async () => {
        clearInterval(timer);
        await renewing;
      },
    };
  }

  /** Turns an error into words for staff and a time to retry. Never includes values or tokens. */
  private judge(error: unknown, failures: number, enrollment: Enrollment): FailureVerdict {
    const now = Date.now();
    const backoff = (): Date =>
      new Date(
        now + failureBackoffMs(failures, enrollment.syncIntervalMinutes * 60_000, this.random()),
      );
    const repeated =
      failures >= REPEATED_FAILURES ? `; ${failures} failures in a row, backing off for hours` : '';
    if (error instanceof ReconsentNeededError || error instanceof NotConnectedError) {
      return {
        reason: 'Google refused the stored consent: the patient must connect again',
        retryAt: null,
        counts: false,
      };
    }
    if (error instanceof RefreshDeferredError) {
      return {
        reason: 'Token refresh is failing; retrying later',
        retryAt: error.retryAt,
        counts: true,
      };
    }
    if (error instanceof MalformedResponseError) {
      return {
        reason: `Google sent a malformed response (${error.message})${repeated}`,
        retryAt: backoff(),
        counts: true,
      };
    }
    if (error instanceof GoogleHealthUnavailableError) {
      const retryAt =
        error.retryAfterMs !== null && now + error.retryAfterMs > backoff().getTime()
          ? new Date(now + error.retryAfterMs)
          : backoff();
      return {
        reason: `Google Health API unavailable (${error.reason})${repeated}`,
        retryAt,
        counts: true,
      };
    }
    if (error instanceof GoogleApiError) {
      return {
        reason: `Google Health API answered ${error.status} ${error.reason}${repeated}`,
        retryAt: backoff(),
        counts: true,
      };
    }
    this.logger.error(
      error instanceof Error ? (error.stack ?? error.message) : 'unknown error',
      CONTEXT,
    );
    return {
      reason: `Internal error (${error instanceof Error ? error.name : 'unknown'})${repeated}`,
      retryAt: backoff(),
      counts: true,
    };
  }
}

/** The wrist device, else any: "not synced yet" is about the tracker. */
function trackerOf(devices: PairedDevice[]): PairedDevice | null {
  const byLatest = [...devices].sort((a, b) => (b.lastSyncTime ?? 0) - (a.lastSyncTime ?? 0));
  return byLatest.find((d) => d.deviceType !== 'SCALE') ?? byLatest[0] ?? null;
}

function unavailableReason(unavailable: Set<string>): string | null {
  return unavailable.size === 0
    ? null
    : `Google refused ${[...unavailable].join(', ')} (scope not granted); those columns stay empty`;
}

/**
 * The days to store: a webhook's earlier days were read for some types only,
 * so their other columns stay as stored; every other day is rewritten whole.
 */
function withUnreadKept(
  plan: SyncPlan,
  stored: readonly DailyAggregate[],
  read: DailyAggregate[],
): DailyAggregate[] {
  const partial = plan.partial;
  if (partial === null) return read;
  const byDate = new Map(stored.map((d) => [d.date, d]));
  const types = new Set(partial.dataTypes);
  return read.map((day) =>
    day.date <= partial.through ? keepUnread(byDate.get(day.date), day, types) : day,
  );
}

/**
 * Each day with the fingerprint of the minutes its columns come from: the one
 * fetched before this sync read them whole (null if none was), the stored one
 * where its heart rate and steps were not read and their columns stay.
 */
function withFingerprints(
  plan: SyncPlan,
  days: readonly DailyAggregate[],
  stored: readonly SyncedDay[],
  fetched: ReadonlyMap<string, string> | null,
): SyncedDay[] {
  const minutesFrom = FINGERPRINTED.filter((t) => plan.dataTypes.includes(t))
    .map((t) => readFrom(plan, t))
    .reduce((latest, date) => (date > latest ? date : latest), plan.from);
  const before = new Map(stored.map((day) => [day.date, day.minutesFingerprint]));
  return days.map((day) => ({
    ...day,
    minutesFingerprint:
      day.date < minutesFrom ? (before.get(day.date) ?? null) : (fetched?.get(day.date) ?? null),
  }));
}

/**
 * The plan again, now that the sleep list is read: a first day's minutes start
 * at its first night (sync-plan.ts's `nightStarts`), not 12 hours before its
 * midnight. Unless the day before it was never stored (a backfill's first
 * day): then the evening's own steps decide whether it can be still
 * ({@link eveningStepsKnown}), and those 12 hours are read as they always were.
 */
export function withFirstNight(
  input: PlanInput,
  stored: readonly DailyAggregate[],
  wholeRange: WearablePoints,
): SyncPlan {
  const plan = planSync({ ...input, nightStarts: nightStarts(wholeRange.sleep ?? []) });
  if (!plan.dataTypes.includes('steps')) return plan;
  const evening = addDays(readFrom(plan, 'steps'), -1);
  return stored.some((day) => day.date === evening) ? plan : planSync(input);
}

/**
 * Whether steps were recorded on the day whose evening a chunk's read holds
 * but not its whole (the day before the chunk's first day with steps read
 * whole): from this sync's own days when an earlier chunk read it whole, else
 * from its stored row. So a day's resting estimate is the same however far
 * back the sync read (the minutes check starts reads at the first changed day).
 */
export function eveningStepsKnown(
  plan: SyncPlan,
  chunkDates: readonly string[],
  done: readonly DailyAggregate[],
  stored: readonly DailyAggregate[],
): Map<string, boolean> {
  const known = new Map<string, boolean>();
  if (!plan.dataTypes.includes('steps') || chunkDates.length === 0) return known;
  const wholeFrom = readFrom(plan, 'steps');
  if (wholeFrom > chunkDates[chunkDates.length - 1]) return known;
  const evening = addDays(wholeFrom > chunkDates[0] ? wholeFrom : chunkDates[0], -1);
  const source = evening >= wholeFrom ? done : stored;
  const day = source.find((d) => d.date === evening);
  if (day !== undefined) known.set(evening, day.steps !== null);
  return known;
}

/** Dates whose stored row is missing or differs from the new one. */
export function changedDates(
  previous: readonly DailyAggregate[],
  next: readonly DailyAggregate[],
): string[] {
  const before = new Map(previous.map((d) => [d.date, d]));
  return next
    .filter((day) => {
      const old = before.get(day.date);
      if (!old) return true;
      return (
        METRIC_NAMES.some((m) => old[m] !== day[m]) ||
        JSON.stringify(old.coverage) !== JSON.stringify(day.coverage)
      );
    })
    .map((day) => day.date);
}

/** The instant a dense point counts from: a sample's time, an interval's start. */
function instantOf(point: object): number {
  const p = point as { time?: number; startTime: number };
  return p.time ?? p.startTime;
}

/** A chunk's own points, then (older) the ones carried from the chunk before: lists' newest-first order. */
function withCarried(read: WearablePoints, carried: WearablePoints): WearablePoints {
  const merged: Record<string, readonly object[]> = { ...(read as Record<string, object[]>) };
  for (const [dataType, points] of Object.entries(carried as Record<string, object[]>)) {
    const own = merged[dataType];
    if (own !== undefined) merged[dataType] = [...own, ...points];
  }
  return merged as WearablePoints;
}

/** The dense points the next chunk needs (from its evening before on), of the types this chunk read. */
function pointsFrom(points: WearablePoints, from: number, read: WearablePoints): WearablePoints {
  const kept: Record<string, object[]> = {};
  for (const dataType of Object.keys(read)) {
    const all = (points as Record<string, readonly object[]>)[dataType] ?? [];
    kept[dataType] = all.filter((p) => instantOf(p) >= from);
  }
  return kept as WearablePoints;
}
