import { EventEmitter2 } from '@nestjs/event-emitter';
import { join } from 'node:path';
import {
  FakeFailures,
  FakeTransactions,
  fakeEnvironment,
  quietLogger,
} from '../../test/support/fakes';
import { PATIENT_EVALUATED, type PatientEvaluated } from '../events/contracts';
import { Metrics } from '../metrics/metrics';
import {
  OWN_EVALUATION_MS,
  type ClaimedEvaluation,
  type DueEvaluation,
  type EvaluationsDueRepository,
} from './evaluations-due.repository';
import type { SeriesDay } from './facts/patient-series';
import { loadRuleDirectory } from './loader/load-rule-directory';
import type { DailyAggregates } from '../aggregates/daily-aggregates.repository';
import type { MonitoredPatient, MonitoredPatients } from './monitored-patients';
import type { RuleOutcome } from './rule-outcome.entity';
import type { OutcomeSteps } from './outcome-steps';
import type { RuleOutcomes } from './rule-outcomes.repository';
import { StoredRule } from './rule.entity';
import { RuleEvaluations } from './rule-evaluations.service';
import { RulesInForce } from './rules-in-force';
import type { RuleStore } from './rule-store.repository';

const NOW = new Date('2026-11-20T12:00:00Z');
/** Nightly SpO2 below 92% two nights running (the starter library's rule, version 3). */
const LOW_SPO2 = loadRuleDirectory(join(__dirname, '..', '..', 'rules')).rules.find(
  (rule) => rule.id === 'low-oxygen-saturation',
)!;

const patient = (pid: number): MonitoredPatient => ({
  pid,
  program: null,
  timeZone: 'UTC',
  lastSyncAt: NOW,
  lastDeviceSyncAt: NOW,
});

/** The stores RuleEvaluations reads and writes, in memory. */
function setUp(options: {
  due: DueEvaluation[];
  patients: MonitoredPatient[];
  series: Record<number, SeriesDay[]>;
  /** Loading this patient's series throws. */
  poison?: number;
  /** The attempt whose failure parks a due evaluation. */
  maxAttempts?: number;
  /** Stored days (none has an outcome). */
  written?: { pid: number; date: string; writtenAt: Date }[];
}) {
  const stored: Omit<RuleOutcome, 'id'>[] = [];
  const settled: DueEvaluation[] = [];
  const { failed, fail } = new FakeFailures(options.maxAttempts);
  const transactions = new FakeTransactions({
    snapshot: () => stored.length,
    restore: (length) => void stored.splice(length as number),
  });
  const upsertUnits: unknown[] = [];
  /** The patients each read of stored days asked for (null: every patient). */
  const writtenReads: (number[] | null)[] = [];
  const stepsRecorded: { tx: unknown; pids: number[] }[] = [];
  const steps: OutcomeSteps = {
    record: async (tx, pids) => void stepsRecorded.push({ tx, pids: [...pids] }),
  };
  const outcomes = {
    upsert: async (rows: readonly Omit<RuleOutcome, 'id'>[], tx: unknown) => {
      upsertUnits.push(tx);
      stored.push(...rows);
    },
    evaluatedDays: async () => [],
    evaluatedOn: async () => new Set<number>(),
  };
  const store = {
    rulesInForce: async () => [
      {
        rule: Object.assign(new StoredRule(), {
          id: LOW_SPO2.id,
          currentVersion: 3,
          origin: 'file',
        }),
        definition: LOW_SPO2,
      },
    ],
    programSettings: async () => [],
    fingerprint: async () => 'the starter rule',
    patientParams: async () => [],
  };
  const aggregates = {
    metricSeries: async (pids: readonly number[]) => {
      if (options.poison !== undefined && pids.includes(options.poison)) {
        throw new TypeError('cannot read the series');
      }
      return new Map(pids.map((pid) => [pid, options.series[pid] ?? []]));
    },
    writtenDays: async (_from: string, _to: string, pids?: readonly number[]) => {
      writtenReads.push(pids === undefined ? null : [...pids]);
      return (options.written ?? []).filter((day) => pids === undefined || pids.includes(day.pid));
    },
  };
  // The queue as a list: due a minute after it was recorded, like the real one.
  const due = {
    claimDue: async (now: Date): Promise<ClaimedEvaluation[]> =>
      options.due
        .filter((d) => d.recordedAt.getTime() + OWN_EVALUATION_MS <= now.getTime())
        .map((d) => ({ ...d, attempts: 1, leasedUntil: now })),
    settle: async (evaluated: ClaimedEvaluation) =>
      void settled.push({
        pid: evaluated.pid,
        dates: evaluated.dates,
        recordedAt: evaluated.recordedAt,
      }),
    fail,
  };
  /** How often every watched patient was listed. */
  const listedAll = { count: 0 };
  const monitored = {
    activePatients: async () => {
      listedAll.count += 1;
      return options.patients;
    },
    watchedAmong: async (pids: readonly number[]) =>
      options.patients.filter((p) => pids.includes(p.pid)),
    patient: async (pid: number) => options.patients.find((p) => p.pid === pid) ?? null,
  };
  const events = new EventEmitter2();
  const announced: PatientEvaluated[] = [];
  events.on(PATIENT_EVALUATED, (event: PatientEvaluated) => void announced.push(event));
  const log = quietLogger();
  const evaluations = new RuleEvaluations(
    transactions.asTransactions(),
    store as unknown as RuleStore,
    new RulesInForce(store as unknown as RuleStore),
    outcomes as unknown as RuleOutcomes,
    aggregates as unknown as DailyAggregates,
    monitored as unknown as MonitoredPatients,
    due as unknown as EvaluationsDueRepository,
    steps,
    events,
    fakeEnvironment(),
    log.logger,
    new Metrics(),
  );
  return {
    evaluations,
    stored,
    settled,
    failed,
    announced,
    transactions,
    upsertUnits,
    stepsRecorded,
    writtenReads,
    listedAll,
    lines: log.lines,
  };
}

describe('RuleEvaluations (fakes, no database)', () => {
  it('evaluates the days a stopped process left due, stores each outcome, announces the patient and settles the row', async () => {
    const left: DueEvaluation = {
      pid: 7,
      dates: ['2026-11-19'],
      recordedAt: new Date(NOW.getTime() - 5 * 60_000),
    };
    // Recorded seconds ago: its own evaluation may still be running.
    const recent: DueEvaluation = { pid: 8, dates: ['2026-11-19'], recordedAt: NOW };
    const {
      evaluations,
      stored,
      settled,
      announced,
      transactions,
      upsertUnits,
      stepsRecorded,
      listedAll,
    } = setUp({
      due: [left, recent],
      patients: [patient(7), patient(8)],
      series: {
        7: [
          { date: '2026-11-18', spo2Average: 89 },
          { date: '2026-11-19', spo2Average: 90 },
        ],
      },
    });

    const run = await evaluations.evaluateDue(NOW);
    // The claimed patients only: the minute's claim never lists the whole cohort.
    expect(listedAll.count).toBe(0);

    expect(run).toMatchObject({ patients: 1, outcomes: 1, announceFailures: 0 });
    // The queue's claim keeps processes apart: no named lock.
    expect(transactions.locks).toEqual([]);
    expect(stored).toEqual([
      expect.objectContaining({
        pid: 7,
        ruleId: 'low-oxygen-saturation',
        ruleVersion: 3,
        date: '2026-11-19',
        result: 'true',
        alertsAppliedAt: null,
      }),
    ]);
    expect(JSON.parse(stored[0].facts)).toMatchObject({ nightsBelow: 2, spo2: 90 });
    expect(stored[0].message).toContain('Nightly SpO2 90%');
    // One committed unit of work for the batch's outcomes and their alert steps.
    expect(upsertUnits).toEqual([transactions.units[0]]);
    expect(stepsRecorded).toEqual([{ tx: transactions.units[0], pids: [7] }]);
    expect(transactions.units[0].state).toBe('committed');
    expect(announced).toEqual([
      { pid: 7, days: [expect.objectContaining({ pid: 7, date: '2026-11-19' })] },
    ]);
    expect(settled).toEqual([left]);
  });

  it('stores insufficient_data for a patient with no readings, and still settles the due row', async () => {
    const left: DueEvaluation = {
      pid: 9,
      dates: ['2026-11-19'],
      recordedAt: new Date(NOW.getTime() - 5 * 60_000),
    };
    const { evaluations, stored, settled, announced } = setUp({
      due: [left],
      patients: [patient(9)],
      series: {},
    });

    await evaluations.evaluateDue(NOW);

    expect(stored.map((o) => [o.pid, o.date, o.result])).toEqual([
      [9, '2026-11-19', 'insufficient_data'],
    ]);
    expect(announced[0].days[0].outcomes).toEqual([
      expect.objectContaining({ rule: 'low-oxygen-saturation', result: 'insufficient_data' }),
    ]);
    expect(settled).toEqual([left]);
  });

  it('settles the row of a patient no longer watched without evaluating anything', async () => {
    const left: DueEvaluation = {
      pid: 10,
      dates: ['2026-11-19'],
      recordedAt: new Date(NOW.getTime() - 5 * 60_000),
    };
    const { evaluations, stored, settled, announced } = setUp({
      due: [left],
      patients: [],
      series: {},
    });

    await evaluations.evaluateDue(NOW);

    expect(stored).toEqual([]);
    expect(announced).toEqual([]);
    expect(settled).toEqual([left]);
  });

  it('retries a patient whose evaluation fails alone, and parks it once its attempts are spent', async () => {
    const left = (pid: number): DueEvaluation => ({
      pid,
      dates: ['2026-11-19'],
      recordedAt: new Date(NOW.getTime() - 5 * 60_000),
    });
    const day = [{ date: '2026-11-19', spo2Average: 97 }];
    const retried = setUp({
      due: [left(7), left(13)],
      patients: [patient(7), patient(13)],
      series: { 7: day, 13: day },
      poison: 13,
    });

    expect(await retried.evaluations.evaluateDue(NOW)).toMatchObject({ patients: 1 });
    expect(retried.stored.map((o) => o.pid)).toEqual([7]);
    expect(retried.settled.map((d) => d.pid)).toEqual([7]);
    expect(retried.failed).toEqual([
      { pid: 13, attempts: 1, reason: 'TypeError', failure: 'retrying' },
    ]);
    expect(retried.lines.filter((line) => line.includes('parked'))).toEqual([]);

    const spent = setUp({
      due: [left(13)],
      patients: [patient(13)],
      series: { 13: day },
      poison: 13,
      maxAttempts: 1,
    });
    await spent.evaluations.evaluateDue(NOW);
    expect(spent.failed).toEqual([
      { pid: 13, attempts: 1, reason: 'TypeError', failure: 'parked' },
    ]);
    const parked = spent.lines.filter((line) => line.includes('parked as failed'));
    expect(parked).toHaveLength(1);
    expect(JSON.parse(parked[0])).toMatchObject({
      level: 'warn',
      context: 'Rules',
      msg: 'Evaluation of patient 13 parked as failed after 1 attempt(s): TypeError',
    });
  });

  it("looks for days a stopped process left a slice of patients at a time, never the whole cohort's at once", async () => {
    const cohort = Array.from({ length: 1_200 }, (_, i) => patient(i + 1));
    const left = (pid: number) => ({
      pid,
      date: '2026-11-19',
      writtenAt: new Date(NOW.getTime() - 10 * 60_000),
    });
    const { evaluations, writtenReads, announced } = setUp({
      due: [],
      patients: cohort,
      series: {},
      written: [left(3), left(1_150)],
    });

    expect(await evaluations.evaluateMissed(NOW)).toMatchObject({ patients: 2 });

    expect(announced.map((event) => event.pid).sort((a, b) => a - b)).toEqual([3, 1_150]);
    // Every patient read once, in slices of 500.
    expect(writtenReads.map((pids) => pids?.length)).toEqual([500, 500, 200]);
    expect(writtenReads.flatMap((pids) => pids ?? []).sort((a, b) => a - b)).toEqual(
      cohort.map((p) => p.pid),
    );
  });
});
