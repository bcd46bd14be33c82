import {
  FakeFailures,
  FakeTransactions,
  fakeEnvironment,
  quietLogger,
  txOf,
} from '../../test/support/fakes';
import { testRule } from '../../test/support/alert-rules';
import type { Transaction } from '../database/transactions';
import { InFlightWork } from '../lifecycle/in-flight-work';
import type { RuleOutcome } from '../rules/rule-outcome.entity';
import type { RuleOutcomes } from '../rules/rule-outcomes.repository';
import type { RuleStore } from '../rules/rule-store.repository';
import type { AlertService, PatientEvaluationRun } from './alert-service';
import type { AlertStepsDue, ClaimedStep } from './alert-steps-due.repository';
import { EvaluationListener } from './evaluation-listener';

const NOW = new Date('2026-11-20T12:00:00Z');
const RULE = testRule({ id: 'low-oxygen-saturation' });

/** The outcomes, the step rows and the alerts' runs in memory; a rolled-back unit restores them. */
function setUp(options: { throwFor?: number; maxAttempts?: number; due: number[] }) {
  let outcomes: (RuleOutcome & { appliedIn?: number })[] = [];
  let rows = new Set(options.due);
  const takenIn: { pid: number; tx: number | undefined }[] = [];
  const { failed, fail } = new FakeFailures(options.maxAttempts);
  const runs: { run: PatientEvaluationRun; tx: number | undefined }[] = [];
  const transactions = new FakeTransactions({
    snapshot: () => ({ outcomes: structuredClone(outcomes), rows: new Set(rows) }),
    restore: (state) => {
      ({ outcomes, rows } = state as { outcomes: typeof outcomes; rows: Set<number> });
    },
  });
  let nextId = 1;
  const add = (pid: number, date: string): void =>
    void outcomes.push({
      id: String(nextId++),
      pid,
      ruleId: RULE.id,
      ruleVersion: 1,
      date,
      result: 'true',
      facts: '{}',
      message: '',
      evaluatedAt: NOW,
      alertsAppliedAt: null,
    } as RuleOutcome);
  const repository = {
    unappliedForAlerts: async (_tx: Transaction, pid: number) =>
      outcomes.filter((o) => o.pid === pid && o.alertsAppliedAt === null),
    markAlertsApplied: async (tx: Transaction, marked: readonly RuleOutcome[], at: Date) => {
      for (const o of outcomes) {
        if (marked.some((m) => m.id === o.id))
          Object.assign(o, { alertsAppliedAt: at, appliedIn: txOf(tx)?.id });
      }
    },
  };
  const store = {
    someVersions: async () => [{ ruleId: RULE.id, version: 1, definition: JSON.stringify(RULE) }],
  };
  const alerts = {
    applyRunIn: async (tx: Transaction, run: PatientEvaluationRun) => {
      if (run.pid === options.throwFor) throw new RangeError('SpO2 87% out of range');
      runs.push({ run, tx: txOf(tx)?.id });
      return { pid: run.pid, alerts: [], notices: [] };
    },
  };
  let attemptsOf = new Map<number, number>();
  const steps = {
    take: async (tx: Transaction, pid: number) => {
      rows.delete(pid);
      takenIn.push({ pid, tx: txOf(tx)?.id });
    },
    claimDue: async (): Promise<ClaimedStep[]> => {
      const claimed = [...rows].filter((pid) => !failed.some((f) => f.pid === pid));
      attemptsOf = new Map(claimed.map((pid) => [pid, (attemptsOf.get(pid) ?? 0) + 1]));
      return claimed.map((pid) => ({ pid, attempts: attemptsOf.get(pid)!, leasedUntil: NOW }));
    },
    fail,
  };
  const log = quietLogger();
  const listener = new EvaluationListener(
    transactions.asTransactions(),
    alerts as unknown as AlertService,
    repository as unknown as RuleOutcomes,
    store as unknown as RuleStore,
    steps as unknown as AlertStepsDue,
    new InFlightWork(),
    fakeEnvironment(),
    log.logger,
  );
  return {
    listener,
    add,
    outcomes: () => outcomes,
    rows: () => rows,
    takenIn,
    failed,
    runs,
    lines: log.lines,
  };
}

describe('EvaluationListener (fakes, no database)', () => {
  it("steps a patient's unapplied days as one run, marking them and taking the row in that unit", async () => {
    const world = setUp({ due: [7] });
    world.add(7, '2026-11-18');
    world.add(7, '2026-11-19');

    const applied = await world.listener.applyStored(7);

    expect(applied).toMatchObject({ pid: 7 });
    expect(world.runs).toHaveLength(1);
    expect(world.runs[0].run.days.map((d) => d.date)).toEqual(['2026-11-18', '2026-11-19']);
    const unit = world.runs[0].tx;
    expect(world.outcomes().map((o) => o.appliedIn)).toEqual([unit, unit]);
    expect(world.takenIn).toEqual([{ pid: 7, tx: unit }]);
    expect(world.rows().size).toBe(0);
    // Nothing left: a second step does nothing and still takes the row.
    await expect(world.listener.applyStored(7)).resolves.toBeNull();
    expect(world.runs).toHaveLength(1);
  });

  it('steps due patients alone: a failing one is retried later, keeps its outcomes and its row', async () => {
    const world = setUp({ due: [7, 13], throwFor: 13 });
    world.add(7, '2026-11-19');
    world.add(13, '2026-11-19');

    await expect(world.listener.stepDue(NOW)).resolves.toBe(1);

    expect(world.runs.map((r) => r.run.pid)).toEqual([7]);
    expect(world.failed).toEqual([
      { pid: 13, attempts: 1, reason: 'RangeError', failure: 'retrying' },
    ]);
    // The failed unit rolled back: the outcome is not marked, the row stays for the next claim.
    expect(world.outcomes().find((o) => o.pid === 13)?.alertsAppliedAt).toBeNull();
    expect([...world.rows()]).toEqual([13]);
    expect(world.lines.filter((line) => line.includes('"warn"'))).toEqual([]);
  });

  it('warns once, with the pid and the error kind only, when a step is parked', async () => {
    const world = setUp({ due: [13], throwFor: 13, maxAttempts: 1 });
    world.add(13, '2026-11-19');

    await world.listener.stepDue(NOW);

    expect(world.failed).toEqual([
      { pid: 13, attempts: 1, reason: 'RangeError', failure: 'parked' },
    ]);
    const warned = world.lines.filter((line) => line.includes('"warn"'));
    expect(warned).toHaveLength(1);
    expect(JSON.parse(warned[0])).toMatchObject({
      level: 'warn',
      context: 'Alerts',
      msg: 'Alert step of patient 13 parked as failed after 1 attempt(s): RangeError',
    });
    expect(world.lines.join('\n')).not.toContain('87%');
  });
});
