import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter2 } from '@nestjs/event-emitter';
import request from 'supertest';
import { DataSource, In, IsNull, Not } from 'typeorm';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { AlertService } from '../../src/alerts/alert-service';
import { AlertStepDue } from '../../src/alerts/alert-step-due.entity';
import {
  ALERT_STEPS_POLICY,
  AlertStepsDue,
  OWN_STEP_MS,
} from '../../src/alerts/alert-steps-due.repository';
import { StoredAlert } from '../../src/alerts/alert.entity';
import { EvaluationListener } from '../../src/alerts/evaluation-listener';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { Transactions } from '../../src/database/transactions';
import { retryDelayMs } from '../../src/database/work-policy';
import { Delivery } from '../../src/delivery/delivery.entity';
import { PATIENT_EVALUATED } from '../../src/events/contracts';
import { Metrics } from '../../src/metrics/metrics';
import { StoredWork } from '../../src/metrics/stored-work';
import { ParkedWork } from '../../src/work/parked-work';
import { MonitoredPatients, type MonitoredPatient } from '../../src/rules/monitored-patients';
import { StoredRuleVersion } from '../../src/rules/rule.entity';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { RuleOutcomes } from '../../src/rules/rule-outcomes.repository';
import { buildDays, type MetricColumns } from '../fixtures/rules/build-days';
import { testRule } from '../support/alert-rules';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';

jest.setTimeout(120_000);

const fires = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/rules/resting-hr-rise/fires.json'), 'utf8'),
) as { start: string; metrics: MetricColumns };

/** A rule of this test's own, so the starter library's versions never collide with it. */
const QUEUED = testRule({ id: 'queued-step', title: 'Queued step', severity: 'urgent' });

/**
 * Alert stepping on the leased queue (src/alerts/alert-steps-due.repository.ts):
 * outcomes are stored with their patient's `alert_steps_due` row; the
 * `rules.patient-evaluated` event only steps them early. ROLE=api: no worker
 * polls behind the test's back; the test calls the worker's `stepDue`.
 */
describe.each(testEngines())('alert steps through the leased queue on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let ds: DataSource;
  const logs = new LogCapture();

  beforeAll(async () => {
    db = await freshDatabase(engine, { ROLE: 'api', LOG_LEVEL: 'info' });
    vigil = await startVigil(db.env, { port: 0, logWriter: logs.write });
    ds = vigil.app.get(DataSource);
    await ds.getRepository(StoredRuleVersion).insert({
      ruleId: QUEUED.id,
      version: 1,
      definition: JSON.stringify(QUEUED),
      diff: null,
      source: 'file',
      createdBy: 'test',
      createdAt: new Date(),
    });
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  const listener = (): EvaluationListener => vigil.app.get(EvaluationListener);
  const unstepped = (pids: number[]): Promise<number> =>
    ds.getRepository(RuleOutcome).countBy({ pid: In(pids), alertsAppliedAt: IsNull() });
  const routings = (pid: number): Promise<number> =>
    ds.getRepository(Delivery).countBy({ pid, kind: 'routing' });

  /** As RuleEvaluations stores them: outcomes and the patients' steps in one transaction. */
  async function store(pids: number[], dates: string[], at: Date): Promise<void> {
    await vigil.app.get(Transactions).run(async (tx) => {
      await vigil.app.get(RuleOutcomes).upsert(
        pids.flatMap((pid) =>
          dates.map((date) => ({
            pid,
            ruleId: QUEUED.id,
            ruleVersion: 1,
            date,
            result: 'true' as const,
            facts: '{}',
            message: 'queued-step held',
            evaluatedAt: at,
            alertsAppliedAt: null,
          })),
        ),
        tx,
      );
      await vigil.app.get(AlertStepsDue).record(tx, pids, at);
    });
  }

  it('steps outcomes the evaluation stored when its event never arrived, several days as one run', async () => {
    const patient: MonitoredPatient = {
      pid: 1001,
      program: null,
      timeZone: 'UTC',
      lastSyncAt: new Date(),
      lastDeviceSyncAt: new Date(),
    };
    await vigil.app.get(DailyAggregates).upsert(1001, buildDays(fires.start, fires.metrics));
    jest.spyOn(vigil.app.get(MonitoredPatients), 'activePatients').mockResolvedValue([patient]);
    // The event is lost (the process stopped right after the commit, say).
    const events = vigil.app.get(EventEmitter2);
    const emit = events.emitAsync.bind(events);
    jest
      .spyOn(events, 'emitAsync')
      .mockImplementation((name, ...args) =>
        name === PATIENT_EVALUATED ? Promise.resolve([]) : emit(name, ...args),
      );
    const dates = buildDays(fires.start, fires.metrics)
      .map((day) => day.date)
      .slice(-6);

    const stored = new Date();
    await vigil.app.get(RuleEvaluations).evaluate([{ patient, dates }]);

    const outcomes = await ds.getRepository(RuleOutcome).countBy({ pid: 1001 });
    expect(outcomes).toBeGreaterThan(dates.length);
    expect(await unstepped([1001])).toBe(outcomes);
    const row = await ds.getRepository(AlertStepDue).findOneByOrFail({ pid: 1001 });
    expect(row.dueAt.getTime()).toBeGreaterThanOrEqual(stored.getTime() + OWN_STEP_MS - 1000);
    // Not due while its own process may still step it.
    await expect(listener().stepDue(stored)).resolves.toBe(0);

    // Due once the minute is over (counted from when the evaluation stored them).
    await expect(listener().stepDue(row.dueAt)).resolves.toBe(1);
    expect(await unstepped([1001])).toBe(0);
    expect(await ds.getRepository(AlertStepDue).countBy({ pid: 1001 })).toBe(0);
    const alerts = await ds.getRepository(StoredAlert).findBy({ pid: 1001 });
    expect(alerts.map((a) => a.ruleId)).toContain('resting-hr-rise');
    // All the days stepped as one run: at most one routing row.
    expect(await routings(1001)).toBe(1);
    await expect(listener().stepDue(new Date(Date.now() + 3_600_000))).resolves.toBe(0);
    expect(await routings(1001)).toBe(1);
  });

  it('retries a failing step after a growing backoff, parks it after its attempts, and shows it', async () => {
    const stored = new Date(Date.now() - 10 * 60_000);
    await store([2002], ['2026-11-10', '2026-11-11'], stored);
    const alerts = vigil.app.get(AlertService);
    const apply = alerts.applyRunIn.bind(alerts);
    // The error's message would carry values; only its kind may reach the row and the log.
    jest.spyOn(alerts, 'applyRunIn').mockImplementation((tx, run) => {
      if (run.pid === 2002) throw new RangeError('resting HR 97 bpm out of range');
      return apply(tx, run);
    });

    let now = new Date();
    for (let attempt = 1; attempt <= ALERT_STEPS_POLICY.maxAttempts; attempt += 1) {
      await expect(listener().stepDue(now)).resolves.toBe(0);
      const row = await ds.getRepository(AlertStepDue).findOneByOrFail({ pid: 2002 });
      expect(row).toMatchObject({ attempts: attempt, lastError: 'RangeError' });
      if (attempt < ALERT_STEPS_POLICY.maxAttempts) {
        expect(row.failedAt).toBeNull();
        const wait = row.dueAt.getTime() - now.getTime();
        const longest = retryDelayMs(ALERT_STEPS_POLICY, attempt, () => 0.999_999);
        expect(wait).toBeGreaterThanOrEqual(Math.floor(longest / 2) - 1);
        expect(wait).toBeLessThanOrEqual(longest + 1);
        // Nothing to claim before the backoff ends.
        await expect(listener().stepDue(new Date(row.dueAt.getTime() - 1000))).resolves.toBe(0);
        expect((await ds.getRepository(AlertStepDue).findOneByOrFail({ pid: 2002 })).attempts).toBe(
          attempt,
        );
        now = row.dueAt;
      } else {
        expect(row.failedAt).toEqual(expect.any(Date));
      }
    }
    // Parked: never claimed again, the outcomes kept for someone to look at.
    await expect(listener().stepDue(new Date(Date.now() + 48 * 3_600_000))).resolves.toBe(0);
    expect(await unstepped([2002])).toBe(2);

    const warned = logs.lines.filter((line) => line.includes('patient 2002'));
    expect(warned.filter((line) => line.includes('"warn"'))).toEqual([
      expect.stringContaining(
        `Alert step of patient 2002 parked as failed after ${ALERT_STEPS_POLICY.maxAttempts} attempt(s): RangeError`,
      ),
    ]);
    expect(logs.text).not.toContain('97 bpm');

    const ready = await request(vigil.url ?? '')
      .get('/health/ready')
      .expect(200);
    expect(ready.body.checks.work).toMatchObject({
      ok: true,
      detail: { failed: { alert_steps_due: 1 } },
    });
    const metrics = await vigil.app.get(Metrics).exposition(await vigil.app.get(StoredWork).read());
    expect(metrics).toContain('vigil_queue_failed{queue="alert_steps_due"} 1');

    const [parked] = await vigil.app.get(ParkedWork).list('alert_steps_due');
    expect(parked).toMatchObject({
      total: 1,
      items: [{ key: '2002', attempts: ALERT_STEPS_POLICY.maxAttempts, lastError: 'RangeError' }],
    });

    // Once the cause is gone, an operator's retry puts it back and a worker steps everything waiting.
    jest.restoreAllMocks();
    const back = new Date();
    await vigil.app.get(ParkedWork).retry('alert_steps_due', ['2002'], 'test', back);
    await expect(listener().stepDue(back)).resolves.toBe(1);
    expect(await unstepped([2002])).toBe(0);
    expect(await ds.getRepository(AlertStepDue).countBy({ failedAt: Not(IsNull()) })).toBe(0);
    expect(await routings(2002)).toBe(1);
  });

  /** Every claim the workers made, by call. */
  function watchClaims(): number[][] {
    const claims: number[][] = [];
    const steps = vigil.app.get(AlertStepsDue);
    const claimDue = steps.claimDue.bind(steps);
    jest.spyOn(steps, 'claimDue').mockImplementation(async (now, limit) => {
      const claimed = await claimDue(now, limit);
      claims.push(claimed.map((c) => c.pid));
      return claimed;
    });
    return claims;
  }

  /** What a failure (a deadlock victim, say) left is retried after its backoff. */
  async function drain(): Promise<void> {
    for (let hours = 1; hours <= 5; hours += 1) {
      await listener().stepDue(new Date(Date.now() + hours * 3_600_000));
    }
  }

  it('never steps a patient twice, whichever workers and nudges take it', async () => {
    const pids = Array.from({ length: 24 }, (_, i) => 3000 + i);
    await store(pids, ['2026-11-12', '2026-11-13'], new Date(Date.now() - 10 * 60_000));
    const claims = watchClaims();
    const now = new Date();

    // Two workers claim at once while each patient's own nudge steps it too; a nudge that
    // fails (MySQL may pick it as a deadlock victim) leaves its work to the queue.
    const events = vigil.app.get(EventEmitter2);
    await Promise.all([
      listener().stepDue(now),
      listener().stepDue(now),
      ...pids.map((pid) =>
        events.emitAsync(PATIENT_EVALUATED, { pid, days: [] }).catch(() => undefined),
      ),
    ]);
    await drain();

    const claimed = claims.flat();
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(await unstepped(pids)).toBe(0);
    expect(await ds.getRepository(AlertStepDue).countBy({ pid: In(pids) })).toBe(0);
    for (const pid of pids) expect(await routings(pid)).toBe(1);
  });

  it('hands each due patient to exactly one of two workers', async () => {
    const pids = Array.from({ length: 30 }, (_, i) => 4000 + i);
    await store(pids, ['2026-11-14'], new Date(Date.now() - 10 * 60_000));
    const claims = watchClaims();

    const now = new Date();
    await Promise.all([listener().stepDue(now), listener().stepDue(now)]);

    const claimed = claims.flat();
    expect([...claimed].sort()).toEqual(pids);
    await drain();
    expect(await unstepped(pids)).toBe(0);
    for (const pid of pids) expect(await routings(pid)).toBe(1);
  });
});
