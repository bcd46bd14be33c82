import { DataSource } from 'typeorm';
import { addDays } from '../../src/time';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { OutcomeRetention } from '../../src/rules/outcome-retention';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { RuleOutcomes } from '../../src/rules/rule-outcomes.repository';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';

jest.setTimeout(60_000);

const NOW = new Date('2026-11-20T12:00:00Z');

describe.each(testEngines())('rule outcome retention on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let ds: DataSource;

  beforeAll(async () => {
    // ROLE=api: the nightly job and the left-behind alert step stay off; the test runs the pruning.
    db = await freshDatabase(engine, { ROLE: 'api', OUTCOME_RETENTION_DAYS: '40' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    ds = vigil.app.get(DataSource);
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  const outcome = (
    pid: number,
    ruleId: string,
    date: string,
    alertsAppliedAt: Date | null,
  ): Omit<RuleOutcome, 'id'> => ({
    pid,
    ruleId,
    ruleVersion: 1,
    date,
    result: 'false',
    facts: '{"restingHr":61}',
    message: '',
    evaluatedAt: new Date(`${date}T23:30:00Z`),
    alertsAppliedAt,
  });

  it('deletes, in batches, only stepped outcomes whose day and alert step are past the retention', async () => {
    const rows: Omit<RuleOutcome, 'id'>[] = [];
    // Patient 1: 60 days of two rules, each day evaluated and stepped the morning after.
    for (let back = 1; back <= 60; back++) {
      const date = addDays('2026-11-20', -back);
      const stepped = new Date(`${addDays(date, 1)}T06:00:00Z`);
      rows.push(
        outcome(1, 'resting-hr-rise', date, stepped),
        outcome(1, 'low-spo2', date, stepped),
      );
    }
    // Old days the alert step has not taken yet (a stopped process), or took again just now
    // (the day was evaluated again): both stay.
    rows.push(outcome(2, 'resting-hr-rise', '2026-09-01', null));
    rows.push(outcome(3, 'resting-hr-rise', '2026-09-01', new Date('2026-11-19T06:00:00Z')));
    await vigil.app.get(RuleOutcomes).upsert(rows);

    const retention = vigil.app.get(OutcomeRetention);
    retention.batchSize = 7;
    const transactions = jest.spyOn(ds, 'transaction');
    // 40 days kept: 2026-10-11 onwards; the 20 days before it, of two rules, go.
    await expect(retention.prune(NOW)).resolves.toBe(40);
    expect(transactions).toHaveBeenCalledTimes(Math.ceil(40 / 7));
    transactions.mockRestore();

    const left = await ds.getRepository(RuleOutcome).find({ order: { pid: 'ASC', date: 'ASC' } });
    const patient1 = left.filter((o) => Number(o.pid) === 1);
    expect(patient1).toHaveLength(80);
    expect(patient1[0].date).toBe('2026-10-11');
    expect(left.filter((o) => Number(o.pid) !== 1).map((o) => [Number(o.pid), o.date])).toEqual([
      [2, '2026-09-01'],
      [3, '2026-09-01'],
    ]);
    await expect(retention.prune(NOW)).resolves.toBe(0);
  });
});
