import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { ApiTokens } from '../../src/auth/api-tokens';
import { VigilApp } from '../../src/bootstrap';
import { SyncRequests } from '../../src/ingest/sync-requests';
import { Enrollment } from '../../src/patients/enrollment.entity';
import type { RuleDefinition } from '../../src/rules/rule-definition';
import { RulesService } from '../../src/rules/rules.service';
import { SyncScheduler } from '../../src/ingest/sync-scheduler';
import { SyncState } from '../../src/ingest/sync-state.entity';
import { SyncStateRepository } from '../../src/ingest/sync-state.repository';
import { addDays, localDateAt } from '../../src/time';
import { EvaluationDue } from '../../src/rules/evaluation-due.entity';
import { PATIENT_SYNCED, PatientSynced } from '../../src/events/contracts';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { SCOPES, Simulator } from '../../src/simulator';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { testEngines, TestDatabase } from '../support/databases';
import { IngestVigil, startIngestVigil } from '../support/ingest-vigil';
import { LogCapture } from '../support/log-capture';
import { ROOT } from '../support/processes';
import { setNextSync, simulatorEnv } from '../support/wearables';

jest.setTimeout(120_000);
const run = promisify(execFile);

describe.each(testEngines())('ingestion from the simulator on %s', (engine) => {
  let ingest: IngestVigil;
  let db: TestDatabase;
  let sim: Simulator;
  let vigil: VigilApp;
  let ds: DataSource;
  let syncs: SyncRequests;
  let logs: LogCapture;
  const synced: PatientSynced[] = [];

  beforeAll(async () => {
    logs = new LogCapture();
    ingest = await startIngestVigil(
      engine,
      { cohortSize: 60, seed: 'ingest-test' },
      { env: { LOG_LEVEL: 'info' }, logWriter: logs.write },
    );
    ({ sim, db, vigil, dataSource: ds, syncs } = ingest);
    vigil.app.get(EventEmitter2).on(PATIENT_SYNCED, (event: PatientSynced) => synced.push(event));
  });

  afterAll(() => ingest.stop());

  afterEach(() => sim.faults.clear());

  /** A new patient linked to the next simulated user, not yet due. */
  async function patient(options: { scopes?: string[]; nextSyncAt?: Date | null } = {}) {
    const { pid, userId, connection } = await ingest.patient({ nextSyncAt: null, ...options });
    // Scheduled (not paused), but not due: the tests decide when it runs.
    if (options.nextSyncAt === undefined)
      await setNextSync(ds, connection.id, new Date(Date.now() + 3_600_000));
    return { pid, userId, connection };
  }

  const rows = (pid: number) =>
    ds.getRepository(DailyAggregateRow).find({ where: { pid }, order: { date: 'ASC' } });
  const state = (connectionId: number) =>
    ds.getRepository(SyncState).findOneByOrFail({ connectionId });

  it('backfills 60 days, following pagination, in one go', async () => {
    const { pid, userId, connection } = await patient();
    sim.resetStats();
    const outcome = await syncs.syncNow(pid);
    expect(outcome).toMatchObject({ status: 'synced', kind: 'backfill' });
    const stored = await rows(pid);
    expect(stored).toHaveLength(60);
    expect(stored.filter((r) => r.steps !== null).length).toBeGreaterThan(40);
    expect(stored.filter((r) => r.restingHrProvider !== null).length).toBeGreaterThan(40);
    // 60 days and the evening before of 1-minute heart-rate windows: five 13-day chunks of
    // two 10,000-window pages each, read by roll-up, never by list.
    const stats = sim.stats();
    expect(stats.byRoute['api:rollUp:heart-rate']).toBe(10);
    expect(stats.byRoute['api:rollUp:steps']).toBe(10);
    expect(stats.byRoute['api:dataPoints:heart-rate']).toBeUndefined();
    expect(stats.byRoute['api:dataPoints:sleep']).toBeGreaterThanOrEqual(3);
    expect(stats.byRoute['api:dataPoints:active-minutes']).toBeUndefined();
    expect(stats.byUser[userId]).toBe(stats.total);
    const after = await state(connection.id);
    expect(after.cursorDate).not.toBeNull();
    expect(after.leaseOwner).toBeNull();
    expect(after.deviceBattery).toEqual(expect.any(Number));
    const conn = await ds.getRepository(WearableConnection).findOneByOrFail({ id: connection.id });
    expect(conn.lastSyncAt).toBeInstanceOf(Date);
    expect(conn.lastDeviceSyncAt).toBeInstanceOf(Date);
    expect(after.nextSyncAt!.getTime()).toBeGreaterThan(Date.now() + 40 * 60_000);
    expect(after.attempts).toBe(0);
    expect(synced.find((e) => e.pid === pid)?.dates).toHaveLength(60);

    // Incremental the same day: from the day after the cursor, one request per data type.
    sim.resetStats();
    const again = await syncs.syncNow(pid);
    expect(again).toMatchObject({ status: 'synced', kind: 'incremental' });
    if (again.status !== 'synced') throw new Error('unreachable');
    expect(again.dates.length).toBeLessThanOrEqual(2);
    expect(sim.stats().total).toBeLessThanOrEqual(8);
    expect(sim.stats().byRoute['api:rollUp:heart-rate']).toBe(1);
    // The first sync of the next local day spends the re-read: the cursor minus REREAD_DAYS.
    await ds
      .getRepository(SyncState)
      .update({ connectionId: connection.id }, { rereadSpentOn: '2000-01-01' });
    sim.resetStats();
    const nextDay = await syncs.syncNow(pid);
    if (nextDay.status !== 'synced') throw new Error('unreachable');
    expect(nextDay.dates.length).toBeGreaterThanOrEqual(4);
    expect(nextDay.dates.length).toBeLessThanOrEqual(6);
    // Two more: the quarter-hour roll-ups of heart rate and steps that check the re-read
    // days' minutes, then each type's minutes.
    expect(sim.stats().total).toBeLessThanOrEqual(10);
    expect(sim.stats().byRoute['api:rollUp:heart-rate']).toBe(2);
    expect(sim.stats().byRoute['api:rollUp:steps']).toBe(2);
    expect(sim.stats().byRoute['api:dailyRollUp:heart-rate']).toBeUndefined();
    expect(sim.stats().byRoute['api:pairedDevices']).toBe(1);
    expect((await state(connection.id)).rereadSpentOn).toBe(nextDay.dates.at(-1));
    expect(await rows(pid)).toHaveLength(60);
  });

  it("keeps the changed days due for evaluation, in the sync's transaction, until the rules took them", async () => {
    const { pid } = await patient();
    // The evaluation lost, as with a process stopped right after the commit.
    const lost = jest
      .spyOn(vigil.app.get(RuleEvaluations), 'evaluateSynced')
      .mockResolvedValue(null);
    try {
      await syncs.syncNow(pid);
    } finally {
      lost.mockRestore();
    }
    const due = await ds.getRepository(EvaluationDue).findOneByOrFail({ pid });
    expect(new Set(due.dates.split(' ')).size).toBe(60);
  });

  it('rewrites old days when late data arrives', async () => {
    const { pid, userId, connection } = await patient();
    const user = sim.cohort.user(userId)!;
    const today = localDateAt(Date.now(), user.homeTimeZone);
    sim.cohort.setScenarios(userId, [{ kind: 'stops-syncing', from: addDays(today, -6) }]);
    await syncs.syncNow(pid);
    const before = new Map((await rows(pid)).map((r) => [r.date, r]));
    const lateDay = addDays(today, -4);
    expect(before.get(lateDay)?.steps).toBeNull();
    const cursor = (await state(connection.id)).cursorDate!;
    expect(cursor < addDays(today, -5)).toBe(true);

    sim.cohort.setScenarios(userId, []); // the watch syncs its backlog
    synced.length = 0;
    await syncs.syncNow(pid);
    const after = new Map((await rows(pid)).map((r) => [r.date, r]));
    expect(after.get(lateDay)?.steps).toEqual(expect.any(Number));
    expect(synced.find((e) => e.pid === pid)?.dates).toContain(lateDay);
    expect((await state(connection.id)).cursorDate! >= addDays(today, -1)).toBe(true);
  });

  it('reads only what the patient granted', async () => {
    const { pid } = await patient({ scopes: [SCOPES.activity] });
    sim.resetStats();
    const outcome = await syncs.syncNow(pid);
    expect(outcome.status).toBe('synced');
    expect(Object.keys(sim.stats().byRoute).sort()).toEqual(['api:rollUp:steps']);
    const stored = await rows(pid);
    expect(stored.every((r) => r.restingHrProvider === null && r.weightKg === null)).toBe(true);
  });

  it('reads a data type only while an enabled rule or a chart needs it', async () => {
    const { pid } = await patient();
    await ds.getRepository(Enrollment).update({ pid }, { program: 'copd' });
    const rules = vigil.app.get(RulesService);
    // Its params are replaced below, so the descriptions of the starter's go too.
    const { paramDetails: _described, ...starter } = JSON.parse(
      readFileSync(join(ROOT, 'rules/sleep-deficit.json'), 'utf8'),
    ) as RuleDefinition;
    // Respiratory rate: no chart shows it, so only this rule makes Vigil read it.
    await rules.create(
      {
        ...starter,
        id: 'fast-breathing-ingest-test',
        title: 'Fast breathing',
        message: 'Respiratory rate {{breathing}} over 3 nights',
        params: { breaths: 22, minNights: 2 },
        conditions: {
          all: [
            {
              name: 'breathing',
              fact: 'window',
              params: { metric: 'respiratoryRate', days: 3, minDays: { param: 'minNights' } },
              operator: 'greaterThan',
              value: { param: 'breaths' },
            },
          ],
        },
        report: {},
      },
      'test',
    );
    let kind = '';
    const requested = async (): Promise<string[]> => {
      sim.resetStats();
      const enrollment = await ds.getRepository(Enrollment).findOneByOrFail({ pid });
      const { id } = await ds
        .getRepository(WearableConnection)
        .findOneByOrFail({ enrollmentId: enrollment.id });
      await setNextSync(ds, id, new Date());
      const outcome = await syncs.syncNow(pid);
      expect(outcome.status).toBe('synced');
      kind = outcome.status === 'synced' ? outcome.kind : '';
      return Object.keys(sim.stats().byRoute);
    };
    const breathingDays = async () =>
      (await rows(pid)).filter((r) => r.respiratoryRate !== null).length;
    // A rule made through the API runs only where a program switched it on.
    expect(await requested()).not.toContain('api:dataPoints:daily-respiratory-rate');
    expect(await requested()).not.toContain('api:dataPoints:daily-respiratory-rate');
    expect(kind).toBe('incremental');
    await rules.setProgram('fast-breathing-ingest-test', 'copd', { enabled: true }, 'test');
    // Its type has no history yet: the next sync backfills, so the rule sees past nights at once.
    expect(await requested()).toContain('api:dataPoints:daily-respiratory-rate');
    expect(kind).toBe('backfill');
    expect(await breathingDays()).toBeGreaterThan(40);
    await requested();
    expect(kind).toBe('incremental');
    await rules.setProgram('fast-breathing-ingest-test', 'copd', { enabled: false }, 'test');
    // Every SpO2 rule off too: the charts still show SpO2, so it is still read.
    await rules.setProgram('low-oxygen-saturation', 'copd', { enabled: false }, 'test');
    const after = await requested();
    expect(after).not.toContain('api:dataPoints:daily-respiratory-rate');
    expect(after).toContain('api:dataPoints:daily-oxygen-saturation');
  });

  it('reads pairedDevices on every sync only while the program runs the monitoring gap, else once a day', async () => {
    const { pid, connection } = await patient();
    await ds.getRepository(Enrollment).update({ pid }, { program: 'rehab' });
    const devicesRead = async (): Promise<number> => {
      sim.resetStats();
      await setNextSync(ds, connection.id, new Date());
      expect(await syncs.syncNow(pid)).toMatchObject({ status: 'synced' });
      return sim.stats().byRoute['api:pairedDevices'] ?? 0;
    };
    expect(await devicesRead()).toBe(1); // the backfill
    // The monitoring gap reads the device's last sync: every sync asks.
    expect(await devicesRead()).toBe(1);
    await vigil.app
      .get(RulesService)
      .setProgram('monitoring-gap', 'rehab', { enabled: false }, 'test');
    expect(await devicesRead()).toBe(0);
    // The day's first sync still refreshes the patient page's battery and last sync.
    await ds
      .getRepository(SyncState)
      .update({ connectionId: connection.id }, { rereadSpentOn: '2000-01-01' });
    expect(await devicesRead()).toBe(1);
    expect(await devicesRead()).toBe(0);
  });

  it("re-reads a webhook's older days only for the type it named; a notification naming none, whole", async () => {
    const { pid, userId, connection } = await patient();
    expect(await syncs.syncNow(pid)).toMatchObject({ status: 'synced', kind: 'backfill' });
    const old = (await rows(pid)).at(-9)!;
    const aggregates = ds.getRepository(DailyAggregateRow);
    // Stand-ins: the re-read must replace the weight and keep heart rate as stored.
    await aggregates.update({ pid, date: old.date }, { weightKg: 1, hrMean: 1 });
    const webhookSync = async (dataType: string | null) => {
      expect(await syncs.queueEarlySync(connection.healthUserId, old.date, dataType)).toBe(1);
      sim.resetStats();
      const outcome = await syncs.syncNow(pid);
      expect(outcome).toMatchObject({ status: 'synced', kind: 'incremental' });
      if (outcome.status !== 'synced') throw new Error('unreachable');
      expect(outcome.dates).toContain(old.date);
      const after = await state(connection.id);
      expect([after.rereadFrom, after.rereadDataTypes]).toEqual([null, null]);
      return { day: await aggregates.findOneByOrFail({ pid, date: old.date }), stats: sim.stats() };
    };
    const weight = await webhookSync('weight');
    expect(weight.day.weightKg).toBe(old.weightKg);
    expect(weight.day.hrMean).toBe(1);
    expect(weight.stats.byRoute['api:rollUp:heart-rate']).toBe(1);
    // Naming no type: every type from the notified day, days rewritten whole.
    const every = await webhookSync(null);
    expect(every.day.hrMean).toBe(old.hrMean);
    expect(every.stats.bytesByUser[userId]).toBeGreaterThan(2 * weight.stats.bytesByUser[userId]);
  });

  it.each([
    ['429 with Retry-After', { kind: 'rate-limit', retryAfterSeconds: 0, count: 2 }],
    ['429 without Retry-After', { kind: 'rate-limit', count: 2 }],
    ['500', { kind: 'server-error', count: 2 }],
    ['503', { kind: 'unavailable', count: 1 }],
    ['a slow answer', { kind: 'slow', delayMs: 150, count: 2 }],
    ['a timeout', { kind: 'timeout', count: 1 }],
    ['an expired page token', { kind: 'expired-page-token', count: 1 }],
    ['a 401 (one refresh, then retry)', { kind: 'unauthenticated', count: 1 }],
  ] as const)('survives %s', async (_name, fault) => {
    const { pid, userId, connection } = await patient();
    sim.faults.add({ ...fault, userId });
    const outcome = await syncs.syncNow(pid);
    expect(outcome).toMatchObject({ status: 'synced' });
    expect(await rows(pid)).toHaveLength(60);
    expect((await state(connection.id)).consecutiveFailures).toBe(0);
  });

  it('refreshes the token once after a 401 and gives up on a second', async () => {
    const { pid, userId } = await patient();
    const before = sim.oauth.tokenRequests();
    sim.faults.add({ kind: 'unauthenticated', userId, count: 1 });
    expect(await syncs.syncNow(pid)).toMatchObject({ status: 'synced' });
    expect(sim.oauth.tokenRequests()).toBe(before + 1);
    sim.faults.add({ kind: 'unauthenticated', userId, count: 2 });
    expect(await syncs.syncNow(pid)).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/401/),
    });
  });

  it('backs off and says why when Google keeps failing; the cursor stays', async () => {
    const { pid, userId, connection } = await patient();
    sim.faults.add({ kind: 'unavailable', userId });
    const outcome = await syncs.syncNow(pid);
    expect(outcome).toMatchObject({ status: 'failed' });
    const after = await state(connection.id);
    expect(after.consecutiveFailures).toBe(1);
    expect(after.cursorDate).toBeNull();
    expect(after.statusReason).toMatch(/unavailable/);
    expect(await rows(pid)).toHaveLength(0);
    expect(after.nextSyncAt!.getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect(after.attempts).toBe(1);
  });

  it('fails a malformed response cleanly, logging where and not what', async () => {
    const { pid, userId, connection } = await patient();
    sim.faults.add({ kind: 'malformed-json', userId, dataType: 'heart-rate', count: 1 });
    const outcome = await syncs.syncNow(pid);
    expect(outcome).toMatchObject({ status: 'failed' });
    expect((await state(connection.id)).statusReason).toMatch(/malformed/);
    expect(await rows(pid)).toHaveLength(0);
    const line = logs.lines.find((l) => l.includes(`patient ${pid} failed`));
    expect(line).toMatch(/malformed/);
    expect(logs.text).not.toMatch(/beatsPerMinute/);
  });

  it('marks a data type unavailable on 403 scope-insufficient and stops asking for it', async () => {
    const { pid, userId, connection } = await patient();
    sim.faults.add({ kind: 'scope-insufficient', userId, dataType: 'sleep' });
    expect(await syncs.syncNow(pid)).toMatchObject({ status: 'synced' });
    const after = await state(connection.id);
    expect(after.unavailableDataTypes).toBe('sleep');
    expect(after.statusReason).toMatch(/sleep/);
    expect((await rows(pid)).every((r) => r.sleepAsleepMinutes === null)).toBe(true);
    sim.resetStats();
    await syncs.syncNow(pid);
    expect(sim.stats().byRoute['api:dataPoints:sleep']).toBeUndefined();
  });

  it('leaves the device unknown when Google refuses the paired-devices list, and syncs the data', async () => {
    const { pid, userId, connection } = await patient();
    // A sync asks for the device list first, so this refuses exactly that request.
    sim.faults.add({ kind: 'scope-insufficient', userId, count: 1 });
    expect(await syncs.syncNow(pid)).toMatchObject({ status: 'synced', kind: 'backfill' });
    const after = await state(connection.id);
    expect(after.unavailableDataTypes).toBe('paired-devices');
    expect(after.consecutiveFailures).toBe(0);
    expect(after.deviceBattery).toBeNull();
    expect((await rows(pid)).filter((r) => r.steps !== null).length).toBeGreaterThan(40);
    sim.resetStats();
    expect(await syncs.syncNow(pid)).toMatchObject({ status: 'synced' });
    expect(sim.stats().byRoute['api:pairedDevices']).toBeUndefined();
    // A sync that changed no day is told too, with no dates.
    let quiet = await syncs.syncNow(pid);
    if (quiet.status === 'synced' && quiet.changed.length > 0) quiet = await syncs.syncNow(pid); // the clock moved the day on
    expect(quiet).toMatchObject({ status: 'synced', changed: [] });
    expect(synced.at(-1)).toMatchObject({ pid, dates: [] });
  });

  it('forgets refused data types and backfills again after the patient consents anew', async () => {
    const { pid, userId, connection } = await patient();
    sim.faults.add({ kind: 'scope-insufficient', userId, dataType: 'sleep' });
    expect(await syncs.syncNow(pid)).toMatchObject({ status: 'synced' });
    expect((await state(connection.id)).unavailableDataTypes).toBe('sleep');
    sim.faults.clear();
    // What consent writes when the patient grants again (possibly more, or another account).
    await new Promise((resolve) => setTimeout(resolve, 5));
    await ds
      .getRepository(WearableConnection)
      .update({ id: connection.id }, { connectedAt: new Date() });
    expect(await syncs.syncNow(pid)).toMatchObject({ status: 'synced', kind: 'backfill' });
    const after = await state(connection.id);
    expect(after.unavailableDataTypes).toBe('');
    expect(after.statusReason).toBeNull();
    expect((await rows(pid)).filter((r) => r.sleepAsleepMinutes !== null).length).toBeGreaterThan(
      40,
    );
    // Once synced after that consent, the next sync is incremental again.
    expect(await syncs.syncNow(pid)).toMatchObject({ status: 'synced', kind: 'incremental' });
  });

  it('keeps a running sync leased past its first lease, and a lease another process took stays theirs', async () => {
    const { connection } = await patient();
    const mine = vigil.app.get(SyncStateRepository);
    const other = new SyncStateRepository(ds, db.env);
    const lease = db.env.SYNC_LEASE_SECONDS * 1000;
    // A claim whose lease runs out in one second.
    const almostExpired = () => new Date(Date.now() - lease + 1000);
    const claim = await mine.claimNow(connection.id, almostExpired());
    expect(claim).toMatchObject({ connectionId: connection.id });
    expect(await mine.renew(claim!, new Date())).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await other.claimNow(connection.id, new Date())).toBeNull();
    expect(await other.isLeased(connection.id, new Date())).toBe(true);
    expect(await mine.release([claim!], new Date())).toBe(1);

    // Without renewal the lease lapses and another process takes the patient over.
    const lapsed = await mine.claimNow(connection.id, almostExpired());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const theirs = await other.claimNow(connection.id, new Date());
    expect(theirs).toMatchObject({ connectionId: connection.id });
    expect(await mine.renew(lapsed!, new Date())).toBe(false);
    expect(await mine.release([lapsed!], new Date())).toBe(0);
    expect(await state(connection.id)).toMatchObject({
      leaseOwner: other.owner,
      leaseExpiresAt: theirs!.leaseExpiresAt,
    });
    await other.release([theirs!], new Date());
  });

  it('syncs due patients on the tick, and on request over HTTP', async () => {
    const { pid, connection } = await patient({ nextSyncAt: new Date(Date.now() - 1000) });
    const scheduler = vigil.app.get(SyncScheduler);
    scheduler.tick();
    await scheduler.idle();
    expect((await state(connection.id)).cursorDate).not.toBeNull();

    const staff = await vigil.app.get(ApiTokens).issue('staff', 'desk', 'test');
    await request(vigil.url!).post(`/api/v1/patients/${pid}/sync`).expect(401);
    const res = await request(vigil.url!)
      .post(`/api/v1/patients/${pid}/sync`)
      .auth(staff.token, { type: 'bearer' })
      .expect(200);
    expect(res.body).toMatchObject({ status: 'synced', kind: 'incremental', pid });
    await request(vigil.url!)
      .post('/api/v1/patients/999999/sync')
      .auth(staff.token, { type: 'bearer' })
      .expect(404);

    // The CLI command, as an operator runs it.
    const cli = await run(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', 'sync', String(pid)],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          ...simulatorEnv(sim),
          ENCRYPTION_KEYS: db.env.ENCRYPTION_KEYS,
          ...(db.url ? { DATABASE_URL: db.url } : { DATA_DIR: db.env.DATA_DIR }),
          LOG_LEVEL: 'warn',
        },
      },
    );
    expect(JSON.parse(cli.stdout)).toMatchObject({ status: 'synced', pid });
  });
});
