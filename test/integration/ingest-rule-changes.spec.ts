import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { openDatabase } from '../../src/database/open-database';
import { SyncRequests } from '../../src/ingest/sync-requests';
import { SyncState } from '../../src/ingest/sync-state.entity';
import { Enrollment } from '../../src/patients/enrollment.entity';
import type { RuleDefinition } from '../../src/rules/rule-definition';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { RuleStore } from '../../src/rules/rule-store.repository';
import { Simulator, startSimulator } from '../../src/simulator';
import { addDays, localDateAt } from '../../src/time';
import { GoogleHealthReader } from '../../src/wearables/google-health/health-api-reader';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { ROOT } from '../support/processes';
import { connectPatient, simulatorEnv } from '../support/wearables';

jest.setTimeout(180_000);

const RULE = 'steps-seen-rule-changes-test';
const PROGRAM = 'copd';

/**
 * Workers keep the rule book in memory (RulesInForce): a rule edited, switched
 * or re-parametrised by another process (its own database connection, no
 * in-process event) must be what the very next sync evaluates.
 */
describe.each(testEngines())('rule changes reach the next sync on %s', (engine) => {
  let db: TestDatabase;
  let sim: Simulator;
  let vigil: VigilApp;
  let ds: DataSource;
  /** Another process's connection and rule store. */
  let other: DataSource;
  let otherStore: RuleStore;

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 10, seed: 'rule-changes-test' });
    db = await freshDatabase(engine, {
      ...simulatorEnv(sim),
      GOOGLE_HEALTH_TIMEOUT_MS: '4000',
      SYNC_TICK_SECONDS: '3600',
    });
    vigil = await startVigil(db.env, { port: 0 });
    ds = vigil.app.get(DataSource);
    vigil.app.get(GoogleHealthReader).firstRetryMs = 5;
    other = await openDatabase(db.env);
    otherStore = new RuleStore(other);
  });

  afterAll(async () => {
    await other.destroy();
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  /** A rule on yesterday's steps: true while they exceed `floor`. */
  function stepsRule(floor: number): RuleDefinition {
    const { paramDetails: _described, ...starter } = JSON.parse(
      readFileSync(join(ROOT, 'rules/sleep-deficit.json'), 'utf8'),
    ) as RuleDefinition;
    return {
      ...starter,
      id: RULE,
      title: 'Steps seen',
      message: 'Steps {{steps}}',
      params: { floor },
      conditions: {
        all: [
          {
            name: 'steps',
            fact: 'window',
            params: { metric: 'steps', days: 1 },
            operator: 'greaterThan',
            value: { param: 'floor' },
          },
        ],
      },
      report: {},
    };
  }

  const elsewhere = {
    addVersion: (floor: number) =>
      otherStore.transaction((manager) =>
        otherStore.addVersion(
          {
            ruleId: RULE,
            definition: stepsRule(floor),
            diff: null,
            source: 'api',
            createdBy: 'another process',
          },
          manager,
        ),
      ),
    setProgram: (enabled: boolean | null, params: Record<string, number> | null) =>
      otherStore.transaction((manager) =>
        otherStore.saveProgramSetting(
          {
            ruleId: RULE,
            program: PROGRAM,
            enabled,
            params: params === null ? null : JSON.stringify(params),
            updatedBy: 'another process',
          },
          manager,
        ),
      ),
  };

  it('a rule edited, re-parametrised or switched off elsewhere is what the next sync evaluates', async () => {
    const pid = 4001;
    const connection = await connectPatient(ds, db.env, sim, pid, 'sim-1', { nextSyncAt: null });
    await ds.getRepository(Enrollment).update({ pid }, { program: PROGRAM });
    const enrollment = await ds.getRepository(Enrollment).findOneByOrFail({ pid });
    const yesterday = addDays(localDateAt(Date.now(), enrollment.timeZone ?? 'UTC'), -1);
    const evaluations = vigil.app.get(RuleEvaluations);
    const syncs = vigil.app.get(SyncRequests);

    /** Syncs with yesterday changed (so it is evaluated); this rule's outcome for it, if any. */
    const nextSync = async (): Promise<RuleOutcome | null> => {
      await ds.getRepository(DailyAggregateRow).delete({ pid, date: yesterday });
      await ds.getRepository(RuleOutcome).delete({ pid });
      await ds
        .getRepository(SyncState)
        .update({ connectionId: connection.id }, { rereadSpentOn: '2000-01-01' });
      await ds
        .getRepository(WearableConnection)
        .update({ id: connection.id }, { nextSyncAt: new Date() });
      const evaluated = jest.spyOn(evaluations, 'evaluateSynced');
      try {
        const outcome = await syncs.syncNow(pid);
        expect(outcome).toMatchObject({ status: 'synced' });
        if (outcome.status === 'synced') expect(outcome.changed).toContain(yesterday);
        while (evaluated.mock.results.length === 0) await new Promise((r) => setTimeout(r, 10));
        const run = await evaluated.mock.results[0].value;
        expect(run?.patients).toBe(1);
      } finally {
        evaluated.mockRestore();
      }
      return ds.getRepository(RuleOutcome).findOneBy({ pid, ruleId: RULE, date: yesterday });
    };

    // A rule made elsewhere, off until a program switches it on.
    await elsewhere.addVersion(-1);
    expect(await nextSync()).toBeNull();
    await elsewhere.setProgram(true, null);
    expect(await nextSync()).toMatchObject({ ruleVersion: 1, result: 'true' });
    // Edited: its new version, and the new threshold, at once.
    await elsewhere.addVersion(1_000_000);
    expect(await nextSync()).toMatchObject({ ruleVersion: 2, result: 'false' });
    // The program's own threshold.
    await elsewhere.setProgram(true, { floor: -1 });
    expect(await nextSync()).toMatchObject({ ruleVersion: 2, result: 'true' });
    // Switched off: no longer evaluated.
    await elsewhere.setProgram(false, { floor: -1 });
    expect(await nextSync()).toBeNull();
  });
});
