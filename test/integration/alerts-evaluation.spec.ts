import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, IsNull } from 'typeorm';
import { AlertStepDue } from '../../src/alerts/alert-step-due.entity';
import { AlertStepsDue } from '../../src/alerts/alert-steps-due.repository';
import { Transactions } from '../../src/database/transactions';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { AlertTransitionRow, StoredAlert } from '../../src/alerts/alert.entity';
import { AlertService } from '../../src/alerts/alert-service';
import { EvaluationListener } from '../../src/alerts/evaluation-listener';
import { RuleOutcomes } from '../../src/rules/rule-outcomes.repository';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { Delivery } from '../../src/delivery/delivery.entity';
import { StoredRuleVersion } from '../../src/rules/rule.entity';
import {
  PATIENT_EVALUATED,
  type PatientEvaluated,
  type RulesEvaluated,
} from '../../src/events/contracts';
import { LOW_SPO2, testRule } from '../support/alert-rules';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';

const GAP = testRule({ id: 'monitoring-gap', title: 'Monitoring gap', severity: 'urgent' });
const HRV = testRule({
  id: 'hrv-drop',
  title: 'HRV drop',
  forDays: 2,
  resolveAfterDays: 2,
  inhibitedBy: ['monitoring-gap'],
});

describe.each(testEngines())('alerts from rule evaluations on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await freshDatabase(engine, { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    dataSource = vigil.app.get(DataSource);
    await dataSource.getRepository(StoredRuleVersion).insert(
      [LOW_SPO2, GAP, HRV].map((rule) => ({
        ruleId: rule.id,
        version: 3,
        definition: JSON.stringify(rule),
        diff: null,
        source: 'file' as const,
        createdBy: 'test',
        createdAt: new Date(),
      })),
    );
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  const day = (
    date: string,
    results: Record<string, RulesEvaluated['outcomes'][number]['result']>,
  ): RulesEvaluated => ({
    pid: 7,
    date,
    outcomes: Object.entries(results).map(([rule, result]) => ({
      rule,
      ruleVersion: 3,
      result,
      facts: {},
      message: `${rule} held`,
    })),
  });

  /** As the rules feature does: outcomes stored first, then the event. */
  const announce = async (run: PatientEvaluated) => {
    await vigil.app.get(RuleOutcomes).upsert(
      run.days.flatMap(({ pid, date, outcomes }) =>
        outcomes.map((o) => ({
          pid,
          ruleId: o.rule,
          ruleVersion: o.ruleVersion,
          date,
          result: o.result,
          facts: JSON.stringify(o.facts),
          message: o.message,
          evaluatedAt: new Date(),
          alertsAppliedAt: null,
        })),
      ),
    );
    await vigil.app.get(EventEmitter2).emitAsync(PATIENT_EVALUATED, run);
  };

  const evaluated = (
    date: string,
    results: Record<string, RulesEvaluated['outcomes'][number]['result']>,
  ) => announce({ pid: 7, days: [day(date, results)] });

  it('steps alerts from the rules.patient-evaluated event, with the stored rule version', async () => {
    await evaluated('2026-11-10', { 'low-oxygen-saturation': 'true', 'hrv-drop': 'true' });
    const spo2 = await dataSource
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 7, ruleId: 'low-oxygen-saturation' });
    expect(spo2).toMatchObject({ state: 'firing', ruleVersion: 3, episodeStart: '2026-11-10' });
    const hrv = await dataSource
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 7, ruleId: 'hrv-drop' });
    expect(hrv.state).toBe('pending');
    const routing = await dataSource.getRepository(Delivery).findBy({ pid: 7, kind: 'routing' });
    expect(routing).toHaveLength(1);
    expect(JSON.parse(routing[0].payload).notices.map((n: { ruleId: string }) => n.ruleId)).toEqual(
      ['low-oxygen-saturation'],
    );
  });

  it('lets a firing monitoring gap inhibit physiology alerts, and stores every transition', async () => {
    await evaluated('2026-11-11', { 'monitoring-gap': 'true', 'hrv-drop': 'true' });
    const hrv = await dataSource
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 7, ruleId: 'hrv-drop' });
    expect(hrv.state).toBe('inhibited');
    const history = await dataSource
      .getRepository(AlertTransitionRow)
      .find({ where: { alertId: hrv.id }, order: { id: 'ASC' } });
    expect(history.map((t) => [t.fromState, t.toState, t.cause, t.actor, t.localDate])).toEqual([
      [null, 'pending', 'condition_began', 'evaluation', '2026-11-10'],
      ['pending', 'inhibited', 'condition_held', 'evaluation', '2026-11-11'],
    ]);
    const notices = (await dataSource.getRepository(Delivery).findBy({ pid: 7, kind: 'routing' }))
      .flatMap((d) => JSON.parse(d.payload).notices)
      .map((n: { ruleId: string; kind: string }) => `${n.ruleId}:${n.kind}`);
    expect(notices).toEqual(['low-oxygen-saturation:fire', 'monitoring-gap:fire']);
  });

  it('opens a new episode after a staff resolution while the rule still holds', async () => {
    const alerts = vigil.app.get(AlertService);
    const spo2 = await dataSource
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 7, ruleId: 'low-oxygen-saturation' });
    await alerts.resolve(spo2.id, 'token:1', new Date('2026-11-11T20:00:00Z'));
    await evaluated('2026-11-12', { 'low-oxygen-saturation': 'true' });
    const episodes = await dataSource
      .getRepository(StoredAlert)
      .find({ where: { pid: 7, ruleId: 'low-oxygen-saturation' }, order: { id: 'ASC' } });
    expect(episodes.map((a) => [a.episodeStart, a.state])).toEqual([
      ['2026-11-10', 'resolved'],
      ['2026-11-12', 'firing'],
    ]);
  });

  it('steps each stored outcome once, and leaves none for a later worker', async () => {
    const listener = vigil.app.get(EvaluationListener);
    await expect(listener.applyStored(7)).resolves.toBeNull();
    expect(await dataSource.getRepository(RuleOutcome).countBy({ alertsAppliedAt: IsNull() })).toBe(
      0,
    );
    expect(await listener.stepDue(new Date(Date.now() + 3_600_000))).toBe(0);
  });

  it('steps outcomes a stopped process stored but never announced, from the queue', async () => {
    const storedAt = new Date(Date.now() - 120_000);
    // As RuleEvaluations does: the outcomes and the patient's alert step in one transaction.
    await vigil.app.get(Transactions).run(async (tx) => {
      await vigil.app.get(RuleOutcomes).upsert(
        [
          {
            pid: 9,
            ruleId: 'low-oxygen-saturation',
            ruleVersion: 3,
            date: '2026-11-15',
            result: 'true',
            facts: '{}',
            message: 'low-oxygen-saturation held',
            evaluatedAt: storedAt,
            alertsAppliedAt: null,
          },
        ],
        tx,
      );
      await vigil.app.get(AlertStepsDue).record(tx, [9], storedAt);
    });
    await expect(vigil.app.get(EvaluationListener).stepDue()).resolves.toBe(1);
    const alert = await dataSource
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 9, ruleId: 'low-oxygen-saturation' });
    expect(alert.state).toBe('firing');
    expect(await dataSource.getRepository(Delivery).countBy({ pid: 9, kind: 'routing' })).toBe(1);
    expect(await dataSource.getRepository(AlertStepDue).countBy({ pid: 9 })).toBe(0);
    await expect(vigil.app.get(EvaluationListener).stepDue()).resolves.toBe(0);
    expect(await dataSource.getRepository(Delivery).countBy({ pid: 9, kind: 'routing' })).toBe(1);
  });

  it('applies several days as one run: one routing row with the net notices, every transition kept', async () => {
    const run: PatientEvaluated = {
      pid: 8,
      days: [
        { ...day('2026-11-20', { 'low-oxygen-saturation': 'true', 'hrv-drop': 'false' }), pid: 8 },
        { ...day('2026-11-21', { 'low-oxygen-saturation': 'false', 'hrv-drop': 'true' }), pid: 8 },
        { ...day('2026-11-22', { 'low-oxygen-saturation': 'false', 'hrv-drop': 'true' }), pid: 8 },
      ],
    };
    await announce(run);
    const routing = await dataSource.getRepository(Delivery).findBy({ pid: 8, kind: 'routing' });
    expect(routing).toHaveLength(1);
    const payload = JSON.parse(routing[0].payload);
    expect(payload.date).toBe('2026-11-22');
    expect(
      payload.notices.map((n: { ruleId: string; kind: string }) => `${n.ruleId}:${n.kind}`),
    ).toEqual(['hrv-drop:fire']);
    const spo2 = await dataSource
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 8, ruleId: 'low-oxygen-saturation' });
    expect(spo2).toMatchObject({ state: 'resolved', firedAt: null });
    const history = await dataSource
      .getRepository(AlertTransitionRow)
      .find({ where: { alertId: spo2.id }, order: { id: 'ASC' } });
    expect(history.map((t) => [t.toState, t.cause, t.localDate])).toEqual([
      ['pending', 'condition_began', '2026-11-20'],
      ['firing', 'condition_held', '2026-11-20'],
      ['resolved', 'condition_cleared', '2026-11-21'],
    ]);
  });
});
