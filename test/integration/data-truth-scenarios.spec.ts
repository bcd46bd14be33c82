import { DataSource } from 'typeorm';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { StoredAlert } from '../../src/alerts/alert.entity';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { SyncRequests } from '../../src/ingest/sync-requests';
import { MonitoredPatients } from '../../src/rules/monitored-patients';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { Simulator, startSimulator } from '../../src/simulator';
import { addDays, localDateAt } from '../../src/time';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { connectPatient, simulatorEnv } from '../support/wearables';

/**
 * Messy data through Vigil's real sync and evaluation: a step stream that
 * stops while heart rate carries on, as in a real study export.
 */
jest.setTimeout(180_000);

describe.each(testEngines())('data truth scenarios on %s', (engine) => {
  let db: TestDatabase;
  let sim: Simulator;
  let vigil: VigilApp;
  let ds: DataSource;

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 4, seed: 'data-truth-test' });
    db = await freshDatabase(engine, { ...simulatorEnv(sim), SYNC_TICK_SECONDS: '3600' });
    vigil = await startVigil(db.env, { port: 0 });
    ds = vigil.app.get(DataSource);
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  it('a step stream that stops while heart rate continues: steps unknown, no activity drop, a gap naming steps', async () => {
    const pid = 3100;
    const userId = 'sim-1';
    const zone = sim.cohort.user(userId)!.homeTimeZone;
    const today = localDateAt(new Date(), zone);
    const stop = addDays(today, -10);
    sim.cohort.addScenario(userId, { kind: 'stream-stops', stream: 'steps', from: stop });
    await connectPatient(ds, db.env, sim, pid, userId, {
      nextSyncAt: new Date(Date.now() + 3_600_000),
    });
    const outcome = await vigil.app.get(SyncRequests).syncNow(pid);
    expect(outcome.status).toBe('synced');

    const days = await ds.getRepository(DailyAggregateRow).find({ where: { pid } });
    const worn = days.filter((d) => d.wearMinutes !== null && d.wearMinutes > 600);
    expect(worn.filter((d) => d.date < stop).every((d) => d.steps !== null && d.steps > 0)).toBe(
      true,
    );
    const afterStop = worn.filter((d) => d.date >= stop);
    expect(afterStop.length).toBeGreaterThan(5);
    expect(afterStop.map((d) => d.steps)).toEqual(afterStop.map(() => null));

    const patient = await vigil.app.get(MonitoredPatients).patient(pid);
    const dates = Array.from({ length: 7 }, (_, i) => addDays(today, -7 + i));
    await vigil.app.get(RuleEvaluations).evaluate([{ patient: patient!, dates }]);
    const outcomes = await ds.getRepository(RuleOutcome).find({ where: { pid } });
    const of = (rule: string, date: string) =>
      outcomes.find((o) => o.ruleId === rule && String(o.date).slice(0, 10) === date);
    expect(outcomes.filter((o) => o.ruleId === 'activity-drop').map((o) => o.result)).not.toContain(
      'true',
    );
    const gap = of('monitoring-gap', addDays(today, -1));
    expect(gap?.result).toBe('true');
    expect(gap?.message).toMatch(
      new RegExp(
        `^Monitoring gap: steps stopped ${addDays(stop, -1)}; heart rate.* still arriving\\.`,
      ),
    );
  });

  it('a gap in steps alone holds back only the rules reading steps: a resting-HR rise still alerts', async () => {
    const pid = 3200;
    const userId = 'sim-2';
    const zone = sim.cohort.user(userId)!.homeTimeZone;
    const today = localDateAt(new Date(), zone);
    sim.cohort.setScenarios(userId, [
      { kind: 'stream-stops', stream: 'steps', from: addDays(today, -10) },
      { kind: 'resting-hr-rise', from: addDays(today, -6), bpmPerDay: 3 },
    ]);
    await connectPatient(ds, db.env, sim, pid, userId, {
      nextSyncAt: new Date(Date.now() + 3_600_000),
    });
    expect((await vigil.app.get(SyncRequests).syncNow(pid)).status).toBe('synced');

    const patient = await vigil.app.get(MonitoredPatients).patient(pid);
    const dates = Array.from({ length: 7 }, (_, i) => addDays(today, -7 + i));
    await vigil.app.get(RuleEvaluations).evaluate([{ patient: patient!, dates }]);
    const alerts = await ds.getRepository(StoredAlert).find({ where: { pid } });
    const stateOf = (rule: string) => alerts.find((a) => a.ruleId === rule)?.state ?? 'none';
    expect(stateOf('monitoring-gap')).toBe('firing');
    expect(alerts.find((a) => a.ruleId === 'monitoring-gap')?.message).toMatch(
      /^Monitoring gap: steps stopped/,
    );
    expect(stateOf('resting-hr-rise')).toBe('firing');
    expect(stateOf('activity-drop')).toBe('none');
  });
});
