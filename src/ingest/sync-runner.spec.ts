import { EventEmitter2 } from '@nestjs/event-emitter';
import { InMemoryIngest } from '../../test/support/in-memory-ingest';
import { dayWithoutData } from '../aggregates/daily-aggregate';
import type { DailyAggregates } from '../aggregates/daily-aggregates.repository';
import type { AuditTrail } from '../audit/audit-trail';
import { loadEnvironment } from '../config/environment';
import type { SecretStore } from '../crypto/secret-store';
import type { Transactions } from '../database/transactions';
import { CONNECTION_NEEDS_RECONSENT, EVENTS_RECORDED, PATIENT_SYNCED } from '../events/contracts';
import type { PendingEvents } from '../events/pending-events.repository';
import { JsonLogger } from '../logging/json-logger';
import { Metrics } from '../metrics/metrics';
import type { EnrollmentRepository } from '../patients/enrollment.repository';
import type { EvaluationsDueRepository } from '../rules/evaluations-due.repository';
import { addDays, localDateAt } from '../time';
import type { ConnectionRepository } from '../wearables/connection.repository';
import { ConnectionTokens } from '../wearables/connection-tokens';
import type { DataTypeId } from '../wearables/google-health/data-types';
import {
  GoogleHealthReader,
  GoogleHealthUnavailableError,
  type ReadContext,
  type TokenSupply,
} from '../wearables/google-health/health-api-reader';
import { GOOGLE_HEALTH_SCOPES, REQUESTED_SCOPES } from '../wearables/google-health/scopes';
import type { SleepSession } from '../wearables/google-health/points';
import { InvalidGrantError, type WearableSource } from '../wearables/wearable-source';
import { ConnectionAccessTokens } from './access-tokens';
import type { RuleDataNeeds } from './rule-data-needs';
import { eveningStepsKnown, SyncRunner, withFirstNight } from './sync-runner';
import type { PlanInput, SyncPlan } from './sync-plan';
import { SyncSchedule } from './sync-schedule';
import type { SyncStateRepository } from './sync-state.repository';

const PID = 7;
const env = loadEnvironment({ ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` });
const yesterday = addDays(localDateAt(Date.now(), 'UTC'), -1);

/**
 * Google as the runner sees it: every call first asks for the connection's
 * access token (as the real reader does, so a dead grant surfaces there), then
 * gets what the test scripted for the call's data type.
 */
class ScriptedGoogle {
  readonly calls: DataTypeId[] = [];

  constructor(
    private readonly tokens: TokenSupply,
    private readonly answer: (dataType: DataTypeId, call: number) => unknown,
  ) {}

  async list(context: ReadContext, query: { dataType: DataTypeId }): Promise<unknown> {
    await this.tokens.accessToken(context.connectionId);
    this.calls.push(query.dataType);
    return this.answer(query.dataType, this.calls.length);
  }

  async rollUp(): Promise<never> {
    throw new Error('no roll-up is planned for the data types these tests need');
  }

  async pairedDevices(context: ReadContext): Promise<[]> {
    await this.tokens.accessToken(context.connectionId);
    return [];
  }
}

/** A token endpoint that refuses every refresh (the patient revoked the grant). */
const refusingSource: WearableSource = {
  provider: 'google-health',
  requestedScopes: [],
  consentUrl: () => 'unused',
  exchangeCode: () => Promise.reject(new Error('unused')),
  refresh: () => Promise.reject(new InvalidGrantError()),
  revoke: () => Promise.resolve(true),
  account: () => Promise.reject(new Error('unused')),
};

/** The runner, its leases and token upkeep on one in-memory store; no database, no network. */
function setUp(options: {
  needed: DataTypeId[];
  answer?: (dataType: DataTypeId, call: number, store: InMemoryIngest) => unknown;
  accessExpiresAt?: Date;
}) {
  const store = new InMemoryIngest();
  const transactions = store.transactions as unknown as Transactions;
  const connections = store.connectionRepository as unknown as ConnectionRepository;
  const enrollments = store.enrollmentRepository as unknown as EnrollmentRepository;
  const states = store.syncStates as unknown as SyncStateRepository;
  const events = new EventEmitter2();
  const emitted: { name: string; payload: unknown }[] = [];
  events.onAny((name, payload) => emitted.push({ name: String(name), payload }));
  const tokens = new ConnectionTokens(
    transactions,
    connections,
    enrollments,
    new SyncSchedule(states),
    store.events as unknown as PendingEvents,
    store.secretStore as unknown as SecretStore,
    store.auditTrail as unknown as AuditTrail,
    refusingSource,
    events,
  );
  const google = new ScriptedGoogle(new ConnectionAccessTokens(tokens, connections), (type, n) =>
    (options.answer ?? (() => []))(type, n, store),
  );
  const logs: string[] = [];
  const needs = {
    ofProgram: async () => ({ dataTypes: options.needed, deviceSync: false }),
  } satisfies Pick<RuleDataNeeds, 'ofProgram'>;
  const runner = new SyncRunner(
    transactions,
    connections,
    enrollments,
    states,
    store.evaluations as unknown as EvaluationsDueRepository,
    env,
    google as unknown as GoogleHealthReader,
    store.aggregates as unknown as DailyAggregates,
    events,
    new JsonLogger('debug', (line) => logs.push(line)),
    needs as unknown as RuleDataNeeds,
    new Metrics(),
    store.auditTrail as unknown as AuditTrail,
  );
  /** Claims the patient's due connection as the scheduler would, and syncs it. */
  const syncDue = async () => {
    const [claim] = await store.syncStates.claimDue(new Date(), 10);
    expect(claim).toBeDefined();
    return runner.run(claim);
  };
  const patient = () =>
    store.connectedPatient(PID, {
      scopes: [GOOGLE_HEALTH_SCOPES.measurements],
      accessExpiresAt: options.accessExpiresAt,
    });
  return { store, google, runner, emitted, logs, syncDue, patient };
}

const restingHeartRate = (date: string, beatsPerMinute: number) => [
  { platform: 'FITBIT', date, beatsPerMinute },
];

describe('SyncRunner (in-memory repositories, scripted Google)', () => {
  it('stores the days, records them for evaluation, ends the lease and schedules the next sync', async () => {
    const { store, emitted, syncDue, patient } = setUp({
      needed: ['daily-resting-heart-rate'],
      answer: () => restingHeartRate(yesterday, 58),
    });
    const { connection } = await patient();

    const outcome = await syncDue();

    expect(outcome).toMatchObject({ status: 'synced', pid: PID, kind: 'backfill' });
    if (outcome.status !== 'synced') throw new Error('not synced');
    expect(store.days.get(`${PID} ${yesterday}`)?.restingHrProvider).toBe(58);
    expect(outcome.changed).toContain(yesterday);
    expect([...store.evaluationsDue.get(PID)!].sort()).toEqual([...outcome.changed].sort());
    const state = store.states.get(connection.id)!;
    expect(state).toMatchObject({
      leaseOwner: null,
      leaseExpiresAt: null,
      cursorDate: yesterday,
      consecutiveFailures: 0,
      statusReason: null,
      historyDataTypes: 'daily-resting-heart-rate',
      attempts: 0,
    });
    expect(state.lastSuccessAt).not.toBeNull();
    expect(state.nextSyncAt!.getTime()).toBeGreaterThan(Date.now());
    const after = store.connections.get(connection.id)!;
    expect(after.lastSyncAt).not.toBeNull();
    // With the patient as stored, so the evaluation need not read them back.
    expect(emitted).toEqual([
      {
        name: PATIENT_SYNCED,
        payload: {
          pid: PID,
          dates: outcome.changed,
          patient: expect.objectContaining({
            pid: PID,
            lastSyncAt: after.lastSyncAt,
            lastDeviceSyncAt: after.lastDeviceSyncAt,
            connectedAt: after.connectedAt,
          }),
        },
      },
    ]);
  });

  it('starts from the state its claim read, without reading it again; a claim without it reads it', async () => {
    const { store, syncDue, runner, patient } = setUp({
      needed: ['daily-resting-heart-rate'],
      answer: () => restingHeartRate(yesterday, 58),
    });
    const { connection } = await patient();
    const read = store.syncStates.ofConnection;
    let reads = 0;
    store.syncStates.ofConnection = (id: number) => {
      reads += 1;
      return read(id);
    };

    expect(await syncDue()).toMatchObject({ status: 'synced' });
    expect(reads).toBe(0);

    store.states.get(connection.id)!.nextSyncAt = new Date(Date.now() - 1);
    const [claim] = await store.syncStates.claimDue(new Date(), 10);
    const { state: _read, ...bare } = claim;
    expect(await runner.run(bare)).toMatchObject({ status: 'synced' });
    expect(reads).toBe(1);
  });

  it('on a refused consent: needs_reconsent, the monitoring-gap event queued, tokens erased, lease released', async () => {
    const { store, google, emitted, logs, syncDue, patient } = setUp({
      needed: ['daily-resting-heart-rate'],
      // Expired: the first call must refresh, and Google refuses the grant.
      accessExpiresAt: new Date(Date.now() - 60_000),
    });
    const { enrollment, connection } = await patient();

    const outcome = await syncDue();

    expect(outcome).toEqual({
      status: 'failed',
      pid: PID,
      reason: 'Google refused the stored consent: the patient must connect again',
      retryAt: null,
    });
    expect(google.calls).toEqual([]);
    expect(store.enrollments.get(enrollment.id)!.status).toBe('needs_reconsent');
    expect(store.pendingEvents).toEqual([
      {
        name: CONNECTION_NEEDS_RECONSENT,
        payload: { pid: PID, enrollmentId: enrollment.id, connectionId: connection.id },
      },
    ]);
    // The relay is nudged after the commit; nothing announces a sync.
    expect(emitted.map((e) => e.name)).toEqual([EVENTS_RECORDED]);
    expect(store.secrets.size).toBe(0);
    expect(store.connections.get(connection.id)).toMatchObject({
      refreshSecretId: null,
      accessSecretId: null,
    });
    expect(store.states.get(connection.id)).toMatchObject({
      nextSyncAt: null,
      leaseOwner: null,
      consecutiveFailures: 0,
      cursorDate: null,
    });
    expect(store.audit.map((a) => a.action)).toEqual(['connection.needs_reconsent']);
    expect(store.days.size).toBe(0);
    expect(logs.join('\n')).not.toMatch(/refresh-token-|access-token-/);
  });

  it('when Google fails mid-sync: nothing of the sync is written, the lease is released, retry backs off', async () => {
    const { store, google, emitted, syncDue, patient } = setUp({
      needed: ['daily-resting-heart-rate', 'weight'],
      answer: (_type, call) => {
        if (call === 1) return restingHeartRate(yesterday, 58);
        throw new GoogleHealthUnavailableError('HTTP 503', null);
      },
    });
    const { connection } = await patient();

    const outcome = await syncDue();

    expect(google.calls).toHaveLength(2);
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: 'Google Health API unavailable (HTTP 503)',
    });
    if (outcome.status !== 'failed') throw new Error('not failed');
    expect(outcome.retryAt!.getTime()).toBeGreaterThan(Date.now());
    expect(store.days.size).toBe(0);
    expect(store.evaluationsDue.size).toBe(0);
    expect(store.states.get(connection.id)).toMatchObject({
      leaseOwner: null,
      leaseExpiresAt: null,
      cursorDate: null,
      lastSuccessAt: null,
      consecutiveFailures: 1,
      statusReason: 'Google Health API unavailable (HTTP 503)',
      nextSyncAt: outcome.retryAt,
      attempts: 1,
    });
    expect(store.connections.get(connection.id)!.lastSyncAt).toBeNull();
    expect(emitted).toEqual([]);
  });

  it('when another process took the lease over mid-sync: writes nothing and leaves their lease alone', async () => {
    const theirs = {
      leaseOwner: 'other-host:1:beef',
      leaseExpiresAt: new Date(Date.now() + 60_000),
    };
    const { store, emitted, syncDue, patient } = setUp({
      needed: ['daily-resting-heart-rate'],
      answer: (_type, _call, memory) => {
        // Our lease ran out while Google answered slowly, and another worker claimed the patient.
        const state = memory.states.get(connectionId)!;
        memory.states.set(connectionId, { ...state, ...theirs });
        return restingHeartRate(yesterday, 58);
      },
    });
    const { connection } = await patient();
    const connectionId = connection.id;

    const outcome = await syncDue();

    expect(outcome).toEqual({ status: 'skipped', pid: PID, reason: 'lease lost' });
    expect(store.days.size).toBe(0);
    expect(store.evaluationsDue.size).toBe(0);
    expect(store.states.get(connectionId)).toMatchObject({
      ...theirs,
      cursorDate: null,
      consecutiveFailures: 0,
    });
    expect(store.connections.get(connectionId)!.lastSyncAt).toBeNull();
    expect(emitted).toEqual([]);
  });

  it('skips a claim whose enrollment stopped being active: the lease given back, the schedule stopped', async () => {
    const { store, runner, emitted, patient } = setUp({
      needed: ['daily-resting-heart-rate'],
    });
    const { enrollment, connection } = await patient();
    const [claim] = await store.syncStates.claimDue(new Date(), 10);
    // Staff paused the patient between the claim and the sync.
    store.enrollments.set(enrollment.id, { ...enrollment, status: 'paused' });

    const outcome = await runner.run(claim);

    expect(outcome).toEqual({ status: 'skipped', pid: PID, reason: 'not an active enrollment' });
    expect(store.states.get(connection.id)).toMatchObject({
      leaseOwner: null,
      leaseExpiresAt: null,
      nextSyncAt: null,
    });
    expect(await store.syncStates.claimDue(new Date(Date.now() + 86_400_000), 10)).toEqual([]);
    expect(store.days.size).toBe(0);
    expect(emitted).toEqual([]);
  });

  it('renews the lease while a slow sync runs, and still finds it its own when it writes', async () => {
    const { store, syncDue, patient } = setUp({
      needed: ['daily-resting-heart-rate'],
      answer: async () => {
        // Google answers slower than a third of the (shortened) lease: renewals run meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 200));
        return restingHeartRate(yesterday, 58);
      },
    });
    store.syncStates.leaseMs = 150;
    const { connection } = await patient();

    const outcome = await syncDue();

    expect(outcome).toMatchObject({ status: 'synced', pid: PID });
    expect(store.renewals).toBeGreaterThan(0);
    expect(store.states.get(connection.id)).toMatchObject({
      leaseOwner: null,
      leaseExpiresAt: null,
      cursorDate: yesterday,
    });
  });
});

describe('whether steps were recorded on the evening a chunk reads only in part', () => {
  const withSteps = (date: string, steps: number | null) => ({ ...dayWithoutData(date), steps });
  const plan = (partial: SyncPlan['partial']): SyncPlan =>
    ({ from: '2026-11-10', dataTypes: ['heart-rate', 'steps', 'sleep'], partial }) as SyncPlan;
  const stored = [withSteps('2026-11-09', 500), withSteps('2026-11-11', null)];

  it('takes the day before the first day from its stored row', () => {
    const dates = ['2026-11-10', '2026-11-11'];
    expect([...eveningStepsKnown(plan(null), dates, [], stored)]).toEqual([['2026-11-09', true]]);
  });

  it("takes the day before the minutes check's first read day from its stored row", () => {
    const dates = ['2026-11-10', '2026-11-11', '2026-11-12'];
    const partial = { through: '2026-11-11', dataTypes: ['sleep'] as DataTypeId[] };
    expect([...eveningStepsKnown(plan(partial), dates, [], stored)]).toEqual([
      ['2026-11-11', false],
    ]);
  });

  it('takes the last day of the chunk before from what this sync read of it', () => {
    const done = [withSteps('2026-11-10', 0)];
    expect([...eveningStepsKnown(plan(null), ['2026-11-11'], done, stored)]).toEqual([
      ['2026-11-10', true],
    ]);
  });

  it('says nothing when steps are not read', () => {
    const noSteps = { ...plan(null), dataTypes: ['heart-rate'] } as SyncPlan;
    expect(eveningStepsKnown(noSteps, ['2026-11-10'], [], stored).size).toBe(0);
  });
});

describe("a plan's first night, once the sleep list is read", () => {
  const input: PlanInput = {
    now: Date.parse('2026-11-28T15:00:00Z'),
    timeZone: 'America/New_York',
    cursorDate: '2026-11-27',
    rereadFrom: null,
    rereadDataTypes: null,
    grantedScopes: REQUESTED_SCOPES,
    unavailable: new Set(),
    history: null,
    needed: ['heart-rate', 'steps', 'sleep'],
    backfillDays: 60,
    rereadDays: 3,
    intraday: 'roll-up',
    rereadSpentOn: '2026-11-28',
    deviceSyncNeeded: false,
  };
  // The night ending on 2026-11-28 began 22:37 EST (03:37Z); midnight is 05:00Z.
  const night: SleepSession = {
    platform: 'FITBIT',
    startTime: Date.parse('2026-11-28T03:37:00Z'),
    endTime: Date.parse('2026-11-28T11:00:00Z'),
    startUtcOffsetSeconds: -18_000,
    endUtcOffsetSeconds: -18_000,
    nap: false,
    minutesAsleep: 400,
    minutesInSleepPeriod: 443,
    minutesAwake: 43,
    deepMinutes: null,
    lightMinutes: null,
    remMinutes: null,
  };
  const firstStart = (plan: SyncPlan): string => {
    const [first] = plan.chunks[0].requests;
    if (first.method !== 'rollUp') throw new Error('expected a roll-up');
    return new Date(first.startTime).toISOString();
  };

  it('starts the minutes at the night, 10 minutes before it, when the evening is stored', () => {
    const stored = [dayWithoutData('2026-11-27')];
    expect(firstStart(withFirstNight(input, stored, { sleep: [night] }))).toBe(
      '2026-11-28T03:27:00.000Z',
    );
    // No night: 10 minutes before midnight.
    expect(firstStart(withFirstNight(input, stored, {}))).toBe('2026-11-28T04:50:00.000Z');
  });

  it("reads the evening's 12 hours when its day was never stored: they decide its steps", () => {
    expect(firstStart(withFirstNight(input, [], { sleep: [night] }))).toBe(
      '2026-11-27T17:00:00.000Z',
    );
    // Without steps no minute can be still, and the evening's steps decide nothing.
    const noSteps = { ...input, needed: ['heart-rate', 'sleep'] as DataTypeId[] };
    expect(firstStart(withFirstNight(noSteps, [], { sleep: [night] }))).toBe(
      '2026-11-28T03:27:00.000Z',
    );
  });
});
