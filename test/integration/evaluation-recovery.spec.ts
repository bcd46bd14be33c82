import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { MonitoredPatient, MonitoredPatients } from '../../src/rules/monitored-patients';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { PATIENT_EVALUATED, PatientEvaluated } from '../../src/events/contracts';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { EvaluationDue } from '../../src/rules/evaluation-due.entity';
import {
  EVALUATIONS_DUE_POLICY,
  EvaluationsDueRepository,
  recordEvaluationDue,
} from '../../src/rules/evaluations-due.repository';
import { WorkQueues } from '../../src/work/work-queues';
import { inTransaction } from '../../src/database/transactions';
import { buildDays, MetricColumns } from '../fixtures/rules/build-days';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';

const fires = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/rules/resting-hr-rise/fires.json'), 'utf8'),
) as { start: string; metrics: MetricColumns };

/**
 * `patient.synced` lives in memory: a worker killed between a sync's commit and
 * its evaluation (the chaos test does it) leaves stored days nobody evaluated.
 * The next worker to start, the daily run and the patient's next sync
 * evaluate them, always with the patient's other unevaluated days, in one run.
 */
describe.each(testEngines())('evaluation of days a stopped process left, on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  const patient: MonitoredPatient = {
    pid: 1001,
    program: null,
    timeZone: 'UTC',
    lastSyncAt: new Date('2026-02-15T09:00:00Z'),
    lastDeviceSyncAt: new Date('2026-02-15T08:30:00Z'),
  };

  beforeAll(async () => {
    db = await freshDatabase(engine, { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    await vigil.app.get(DailyAggregates).upsert(1001, buildDays(fires.start, fires.metrics));
    const rows = vigil.app.get(DataSource).getRepository(DailyAggregateRow);
    await rows.update({ pid: 1001 }, { updatedAt: new Date('2026-02-15T09:00:00Z') });
    // The last day was written a moment ago: its own evaluation may still be running.
    await rows.update(
      { pid: 1001, date: '2026-02-14' },
      { updatedAt: new Date('2026-02-15T09:59:30Z') },
    );
    watch(patient);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await vigil.shutdown('test finished');
    await db.drop();
  });

  /** The patient (not enrolled in this database) is who evaluation watches. */
  const watch = (watched: MonitoredPatient): void => {
    const monitored = vigil.app.get(MonitoredPatients);
    jest.spyOn(monitored, 'activePatients').mockResolvedValue([watched]);
    jest
      .spyOn(monitored, 'watchedAmong')
      .mockImplementation(async (pids) => (pids.includes(watched.pid) ? [watched] : []));
  };
  const evaluatedRuns: string[][] = [];
  const now = new Date('2026-02-15T10:00:00Z');
  beforeEach(async () => {
    await vigil.app.get(DataSource).getRepository(RuleOutcome).delete({ pid: 1001 });
    evaluatedRuns.length = 0;
  });
  beforeAll(() => {
    vigil.app
      .get(EventEmitter2)
      .on(PATIENT_EVALUATED, (event: PatientEvaluated) =>
        evaluatedRuns.push(event.days.map((d) => d.date)),
      );
  });
  const evaluatedDates = async (): Promise<string[]> =>
    [
      ...new Set(
        (await vigil.app.get(DataSource).getRepository(RuleOutcome).findBy({ pid: 1001 })).map(
          (o) => o.date,
        ),
      ),
    ].sort();
  // 02-07 and earlier are older than a sync re-evaluates; 02-15 is today.
  const RECENT_BUT_10 = [
    '2026-02-08',
    '2026-02-09',
    '2026-02-11',
    '2026-02-12',
    '2026-02-13',
    '2026-02-14',
  ];

  it("evaluates all of a patient's recent unevaluated days as one run, once", async () => {
    const evaluations = vigil.app.get(RuleEvaluations);
    await evaluations.evaluate([{ patient, dates: ['2026-02-10'] }]);
    evaluatedRuns.length = 0;

    expect(await evaluations.evaluateMissed(now)).toMatchObject({ patients: 1 });
    // 02-14, written a moment ago, comes along: the patient's days are stepped in order, together.
    expect(evaluatedRuns).toEqual([RECENT_BUT_10]);
    expect(await evaluatedDates()).toEqual([...RECENT_BUT_10, '2026-02-10'].sort());
    expect(await evaluations.evaluateMissed(now)).toBeNull();
  });

  it('leaves a patient whose unevaluated days were all written a moment ago to their own evaluation', async () => {
    const evaluations = vigil.app.get(RuleEvaluations);
    await evaluations.evaluate([
      {
        patient,
        dates: ['2026-02-08', '2026-02-09', '2026-02-10', '2026-02-11', '2026-02-12', '2026-02-13'],
      },
    ]);
    evaluatedRuns.length = 0;
    expect(await evaluations.evaluateMissed(now)).toBeNull();
    expect(await evaluations.evaluateMissed(new Date('2026-02-15T10:05:00Z'))).toMatchObject({
      patients: 1,
    });
    expect(evaluatedRuns).toEqual([['2026-02-14']]);
  });

  it("a sync's evaluation takes the days a lost evaluation left, in the same run", async () => {
    const evaluations = vigil.app.get(RuleEvaluations);
    jest.spyOn(vigil.app.get(MonitoredPatients), 'patient').mockResolvedValueOnce(patient);
    await evaluations.evaluate([{ patient, dates: ['2026-02-10'] }]);
    evaluatedRuns.length = 0;
    await evaluations.evaluateSynced({ pid: 1001, dates: ['2026-02-14'] }, now);
    expect(evaluatedRuns).toEqual([RECENT_BUT_10]);
  });

  it('the daily run takes them too, so yesterday is never stepped before older days', async () => {
    const evaluations = vigil.app.get(RuleEvaluations);
    await evaluations.evaluate([{ patient, dates: ['2026-02-10'] }]);
    evaluatedRuns.length = 0;
    // Past EVALUATION_HOUR in UTC: yesterday (02-14) is due.
    await evaluations.runDaily(new Date('2026-02-15T23:00:00Z'));
    expect(evaluatedRuns).toEqual([RECENT_BUT_10]);
  });

  /** Every complete day of the last week evaluated already; the runs seen so far forgotten. */
  const evaluateLastWeek = async (): Promise<void> => {
    await vigil.app
      .get(RuleEvaluations)
      .evaluate([{ patient, dates: [...RECENT_BUT_10, '2026-02-10'].sort() }]);
    evaluatedRuns.length = 0;
  };

  it('evaluates what a sync recorded as due when its own evaluation never came, as one run', async () => {
    const evaluations = vigil.app.get(RuleEvaluations);
    const ds = vigil.app.get(DataSource);
    await evaluateLastWeek();
    // Two syncs' changed days, the evaluations of both lost; dates already evaluated come again.
    await inTransaction(ds, (manager) =>
      recordEvaluationDue(
        manager,
        1001,
        ['2026-02-12', '2026-02-13'],
        new Date('2026-02-15T09:57:00Z'),
      ),
    );
    await inTransaction(ds, (manager) =>
      recordEvaluationDue(
        manager,
        1001,
        ['2026-02-13', '2026-02-14', '2026-02-15'],
        new Date('2026-02-15T09:58:00Z'),
      ),
    );
    // Recorded under a minute before: maybe still under its own evaluation.
    expect(await evaluations.evaluateDue(new Date('2026-02-15T09:58:30Z'))).toBeNull();
    expect(await evaluations.evaluateDue(now)).toMatchObject({ patients: 1, outcomes: 21 });
    // 02-15 is today: the daily run's.
    expect(evaluatedRuns).toEqual([['2026-02-12', '2026-02-13', '2026-02-14']]);
    expect(await ds.getRepository(EvaluationDue).countBy({ pid: 1001 })).toBe(0);
    expect(await evaluations.evaluateDue(now)).toBeNull();
  });

  it("a sync's evaluation takes and settles what is due, but not what a later sync recorded", async () => {
    const evaluations = vigil.app.get(RuleEvaluations);
    const ds = vigil.app.get(DataSource);
    const due = vigil.app.get(EvaluationsDueRepository);
    jest.spyOn(vigil.app.get(MonitoredPatients), 'patient').mockResolvedValue(patient);
    await evaluateLastWeek();
    await inTransaction(ds, (manager) =>
      recordEvaluationDue(manager, 1001, ['2026-02-11'], new Date('2026-02-15T09:00:00Z')),
    );
    await inTransaction(ds, (manager) =>
      recordEvaluationDue(manager, 1001, ['2026-02-14'], new Date('2026-02-15T09:59:00Z')),
    );
    await evaluations.evaluateSynced({ pid: 1001, dates: ['2026-02-14'] }, now);
    expect(evaluatedRuns).toEqual([['2026-02-11', '2026-02-14']]);
    expect(await due.of(1001)).toBeNull();
    // A sync that recorded after the evaluation read the row keeps its dates due.
    await inTransaction(ds, (manager) =>
      recordEvaluationDue(manager, 1001, ['2026-02-13'], new Date('2026-02-15T09:59:30Z')),
    );
    const read = (await due.of(1001))!;
    await inTransaction(ds, (manager) =>
      recordEvaluationDue(manager, 1001, ['2026-02-12'], new Date('2026-02-15T09:59:40Z')),
    );
    await due.settle(read);
    expect(await due.of(1001)).toMatchObject({ dates: ['2026-02-12', '2026-02-13'] });
    await due.settle((await due.of(1001))!);
    jest.restoreAllMocks();
    watch(patient);
  });

  it('the daily run leaves a patient consented today and not synced yet to the first sync', async () => {
    const evaluations = vigil.app.get(RuleEvaluations);
    const active = jest.spyOn(vigil.app.get(MonitoredPatients), 'activePatients');
    const newcomer: MonitoredPatient = {
      pid: 1002,
      program: null,
      timeZone: 'UTC',
      lastSyncAt: null,
      lastDeviceSyncAt: null,
      connectedAt: new Date('2026-02-15T09:30:00Z'),
    };
    active.mockResolvedValueOnce([newcomer]);
    expect(await evaluations.runDaily(new Date('2026-02-15T23:00:00Z'))).toMatchObject({
      patients: 0,
    });
    // A day on, a first sync that never came is itself a monitoring gap to judge.
    active.mockResolvedValueOnce([newcomer]);
    await evaluations.runDaily(new Date('2026-02-16T10:00:00Z'));
    expect(evaluatedRuns).toEqual([['2026-02-15']]);
    await vigil.app.get(DataSource).getRepository(RuleOutcome).delete({ pid: 1002 });
  });

  it('retries an evaluation that keeps failing, then parks it as failed and counts it', async () => {
    const evaluations = vigil.app.get(RuleEvaluations);
    const ds = vigil.app.get(DataSource);
    await evaluateLastWeek();
    await inTransaction(ds, (manager) =>
      recordEvaluationDue(manager, 1001, ['2026-02-14'], new Date('2026-02-15T09:00:00Z')),
    );
    const broken = jest
      .spyOn(vigil.app.get(DailyAggregates), 'metricSeries')
      .mockRejectedValue(new TypeError('series unreadable'));
    try {
      let at = now;
      for (let attempt = 1; attempt <= EVALUATIONS_DUE_POLICY.maxAttempts; attempt++) {
        expect(await evaluations.evaluateDue(at)).toMatchObject({ patients: 0 });
        const row = await ds.getRepository(EvaluationDue).findOneByOrFail({ pid: 1001 });
        expect(row).toMatchObject({ attempts: attempt, lastError: 'TypeError' });
        if (attempt < EVALUATIONS_DUE_POLICY.maxAttempts) {
          expect(row.failedAt).toBeNull();
          // Waiting out its backoff: nothing to claim before then.
          expect(await evaluations.evaluateDue(new Date(row.dueAt.getTime() - 1))).toBeNull();
          at = row.dueAt;
        } else {
          expect(row.failedAt).toEqual(expect.any(Date));
        }
      }
    } finally {
      broken.mockRestore();
    }
    // Parked: never claimed again, and counted where /health/ready and /metrics read it.
    expect(await evaluations.evaluateDue(new Date('2026-03-15T00:00:00Z'))).toBeNull();
    expect((await vigil.app.get(WorkQueues).failed()).evaluations_due).toBe(1);
    await ds.getRepository(EvaluationDue).delete({ pid: 1001 });
  });
});
