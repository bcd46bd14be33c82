import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { openDatabase } from '../../src/database/open-database';
import { SyncState } from '../../src/ingest/sync-state.entity';
import { Enrollment } from '../../src/patients/enrollment.entity';
import type { RuleDefinition } from '../../src/rules/rule-definition';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { RuleStore } from '../../src/rules/rule-store.repository';
import { addDays, localDateAt } from '../../src/time';
import { testEngines } from '../support/databases';
import { IngestVigil, startIngestVigil } from '../support/ingest-vigil';
import { ROOT } from '../support/processes';
import { setNextSync } from '../support/wearables';

jest.setTimeout(180_000);

const RULE = 'steps-seen-rule-changes-test';
const PROGRAM = 'copd';

/**
 * Workers keep the rule book in memory (RulesInForce): a rule edited, switched
 * or re-parametrised by another process (its own database connection, no
 * in-process event) must be what the very next sync evaluates.
 */
describe.each(testEngines())('rule changes reach the next sync on %s', (engine) => {
  let ingest: IngestVigil;
  let ds: DataSource;
  /** Another process's connection and rule store. */
  let other: DataSource;
  let otherStore: RuleStore;

  beforeAll(async () => {
    ingest = await startIngestVigil(engine, { cohortSize: 10, seed: 'rule-changes-test' });
    ds = ingest.dataSource;
    other = await openDatabase(ingest.db.env);
    otherStore = new RuleStore(other);
  });

  afterAll(async () => {
    await other.destroy();
    await ingest.stop();
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
    const connection = await ingest.connect(pid, 'sim-1', { nextSyncAt: null });
    await ds.getRepository(Enrollment).update({ pid }, { program: PROGRAM });
    const enrollment = await ds.getRepository(Enrollment).findOneByOrFail({ pid });
    const yesterday = addDays(localDateAt(Date.now(), enrollment.timeZone ?? 'UTC'), -1);
    const evaluations = ingest.vigil.app.get(RuleEvaluations);

    /** Syncs with yesterday changed (so it is evaluated); this rule's outcome for it, if any. */
    const nextSync = async (): Promise<RuleOutcome | null> => {
      await ds.getRepository(DailyAggregateRow).delete({ pid, date: yesterday });
      await ds.getRepository(RuleOutcome).delete({ pid });
      await ds
        .getRepository(SyncState)
        .update({ connectionId: connection.id }, { rereadSpentOn: '2000-01-01' });
      await setNextSync(ds, connection.id, new Date());
      const evaluated = jest.spyOn(evaluations, 'evaluateSynced');
      try {
        const outcome = await ingest.syncs.syncNow(pid);
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
