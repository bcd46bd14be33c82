import { DataSource } from 'typeorm';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { StoredAlert } from '../../src/alerts/alert.entity';
import { AlertRepository } from '../../src/alerts/alert.repository';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrateDatabase } from '../../src/database/migrate';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { RuleOutcomes } from '../../src/rules/rule-outcomes.repository';
import { PatientRuleParams } from '../../src/rules/rule-settings.entity';
import { RuleStore } from '../../src/rules/rule-store.repository';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';

const at = (iso: string): Date => new Date(iso);
const byDayAndPid = (a: { pid: number; date: string }, b: { pid: number; date: string }) =>
  a.date.localeCompare(b.date) || a.pid - b.pid;

/**
 * The reads and writes every evaluation and alert step after a sync sends
 * are hand-written (src/database/raw-columns.ts): they read and write exactly
 * what the entities' repositories read and write, on both engines.
 */
describe.each(testEngines())('the evaluation’s and alert step’s statements on %s', (engine) => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await freshDatabase(engine);
    ds = await new DataSource(dataSourceOptions(db.env)).initialize();
    await migrateDatabase(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const outcome = (pid: number, ruleId: string, date: string, applied: Date | null) => ({
    pid,
    ruleId,
    ruleVersion: 3,
    date,
    result: 'true' as const,
    facts: '{"hrMean":71.5,"note":null}',
    message: 'Resting heart rate up',
    evaluatedAt: at('2026-12-01T10:00:00.123Z'),
    alertsAppliedAt: applied,
  });

  it('reads the days written and evaluated as the repositories read them', async () => {
    const rows = ds.getRepository(DailyAggregateRow);
    const day = (pid: number, date: string, updatedAt: Date) =>
      Object.assign(new DailyAggregateRow(), { pid, date, coverage: '{}', updatedAt });
    await rows.insert([
      day(1, '2026-11-28', at('2026-12-01T10:00:00.001Z')),
      day(1, '2026-11-30', at('2026-12-01T10:00:00.999Z')),
      day(2, '2026-11-29', at('2026-12-01T09:00:00.500Z')),
      day(2, '2026-11-25', at('2026-12-01T09:00:00.000Z')),
      day(3, '2026-11-29', at('2026-12-01T09:00:00.000Z')),
    ]);
    const aggregates = new DailyAggregates(ds);
    const stored = (await rows.find())
      .filter((row) => row.date >= '2026-11-26' && row.date <= '2026-11-30')
      .map((row) => ({ pid: Number(row.pid), date: row.date, writtenAt: row.updatedAt }));
    const written = await aggregates.writtenDays('2026-11-26', '2026-11-30');
    expect(written.map((row) => row.date)).toEqual([...written.map((r) => r.date)].sort());
    expect([...written].sort(byDayAndPid)).toEqual(stored.sort(byDayAndPid));
    expect(await aggregates.writtenDays('2026-11-26', '2026-11-30', [2])).toEqual([
      { pid: 2, date: '2026-11-29', writtenAt: at('2026-12-01T09:00:00.500Z') },
    ]);
    expect(await aggregates.writtenDays('2026-11-26', '2026-11-30', [])).toEqual([]);

    const outcomes = new RuleOutcomes(ds);
    await ds
      .getRepository(RuleOutcome)
      .insert([
        outcome(1, 'a', '2026-11-28', null),
        outcome(1, 'b', '2026-11-28', null),
        outcome(2, 'a', '2026-11-25', null),
        outcome(3, 'a', '2026-11-30', at('2026-12-01T10:00:01.000Z')),
      ]);
    expect((await outcomes.evaluatedDays('2026-11-26', '2026-11-30')).sort(byDayAndPid)).toEqual([
      { pid: 1, date: '2026-11-28' },
      { pid: 3, date: '2026-11-30' },
    ]);
    expect(await outcomes.evaluatedDays('2026-11-20', '2026-11-30', [2])).toEqual([
      { pid: 2, date: '2026-11-25' },
    ]);
  });

  it('reads and marks a patient’s unapplied outcomes as the repository does', async () => {
    const outcomes = new RuleOutcomes(ds);
    const repository = ds.getRepository(RuleOutcome);
    await repository.insert([
      outcome(10, 'b', '2026-11-28', null),
      outcome(10, 'a', '2026-11-29', null),
      outcome(10, 'a', '2026-11-28', null),
      outcome(10, 'c', '2026-11-27', at('2026-12-01T11:00:00.000Z')),
      outcome(11, 'a', '2026-11-28', null),
    ]);
    const unapplied = await ds.transaction((tx) => outcomes.unappliedForAlerts(tx, 10));
    expect(unapplied.map((o) => [o.date, o.ruleId])).toEqual([
      ['2026-11-28', 'a'],
      ['2026-11-28', 'b'],
      ['2026-11-29', 'a'],
    ]);
    for (const read of unapplied)
      expect(read).toStrictEqual(await repository.findOneByOrFail({ id: read.id }));

    const stepped = at('2026-12-01T12:00:00.007Z');
    await ds.transaction((tx) => outcomes.markAlertsApplied(tx, unapplied.slice(0, 2), stepped));
    const after = await repository.findBy({ pid: 10 });
    expect(
      after
        .filter((o) => o.alertsAppliedAt?.getTime() === stepped.getTime())
        .map((o) => o.id)
        .sort(),
    ).toEqual(
      unapplied
        .slice(0, 2)
        .map((o) => o.id)
        .sort(),
    );
    expect(after.filter((o) => o.alertsAppliedAt === null)).toHaveLength(1);
  });

  if (engine === 'mysql') {
    it('locks only the stepped patient’s outcomes: another patient’s step reads its own meanwhile', async () => {
      const outcomes = new RuleOutcomes(ds);
      // Weeks of stepped outcomes and a few waiting: MariaDB's own plan then reads every
      // patient's waiting outcomes (few) rather than this patient's (many).
      const stepped = [40, 41, 42].flatMap((pid) =>
        Array.from({ length: 30 }, (_, day) =>
          outcome(
            pid,
            's',
            `2026-10-${String(day + 1).padStart(2, '0')}`,
            at(`2026-11-01T00:00:${String(day).padStart(2, '0')}.${pid}Z`),
          ),
        ),
      );
      await ds
        .getRepository(RuleOutcome)
        .insert([
          ...stepped,
          outcome(40, 'a', '2026-11-28', null),
          outcome(41, 'a', '2026-11-28', null),
          outcome(41, 'b', '2026-11-28', null),
          outcome(42, 'a', '2026-11-29', null),
        ]);
      await ds.query('ANALYZE TABLE rule_outcomes');
      const other = await new DataSource(dataSourceOptions(db.env)).initialize();
      try {
        await ds.transaction(async (tx) => {
          expect(await outcomes.unappliedForAlerts(tx, 41)).toHaveLength(2);
          // Waiting would fail at once: the other step's read must not pass over our locks.
          const runner = other.createQueryRunner();
          try {
            await runner.query('SET SESSION innodb_lock_wait_timeout = 1');
            await runner.startTransaction();
            for (const pid of [40, 42])
              expect(
                await new RuleOutcomes(other).unappliedForAlerts(runner.manager, pid),
              ).toHaveLength(1);
            await runner.commitTransaction();
          } finally {
            await runner.release();
          }
          await expect(
            other.query('SELECT id FROM rule_outcomes WHERE pid = 41 FOR UPDATE NOWAIT'),
          ).rejects.toThrow();
        });
      } finally {
        await other.destroy();
      }
    });
  }

  it('reads patients’ rule params as the repository does', async () => {
    const repository = ds.getRepository(PatientRuleParams);
    const param = (pid: number, ruleId: string) => ({
      pid,
      ruleId,
      params: '{"threshold":5,"days":[1,2]}',
      updatedBy: 'dr-who',
      updatedAt: at('2026-12-01T08:00:00.250Z'),
    });
    await repository.insert([param(20, 'b'), param(20, 'a'), param(21, 'a'), param(22, 'a')]);
    const read = await new RuleStore(ds).patientParams([20, 21]);
    expect(read.map((p) => [Number(p.pid), p.ruleId]).sort()).toEqual([
      [20, 'a'],
      [20, 'b'],
      [21, 'a'],
    ]);
    expect(read.map((p) => p.ruleId)).toEqual(['a', 'a', 'b']);
    for (const p of read) expect(p).toStrictEqual(await repository.findOneByOrFail({ id: p.id }));
    expect(await new RuleStore(ds).patientParams([])).toEqual([]);
  });

  it('reads a patient’s alerts (latest of each rule, the unresolved of one) as the repository does', async () => {
    const repository = ds.getRepository(StoredAlert);
    const alert = (ruleId: string, episodeStart: string, state: string) => ({
      pid: 30,
      ruleId,
      ruleVersion: 1,
      episodeStart,
      severity: 'urgent',
      state,
      lifecycle: '{"state":"firing"}',
      ruleTitle: 'Resting heart rate',
      message: 'Up 10 bpm',
      recipients: state === 'resolved' ? null : '[{"username":"nurse"}]',
      routingReasons: null,
      firedAt: state === 'pending' ? null : at('2026-11-20T10:00:00.001Z'),
      escalatedAt: null,
      createdAt: at('2026-11-20T09:00:00.000Z'),
      updatedAt: at('2026-11-21T09:00:00.999Z'),
    });
    await repository.insert([
      alert('r1', '2026-11-01', 'resolved'),
      alert('r1', '2026-11-20', 'firing'),
      alert('r2', '2026-11-10', 'pending'),
      alert('r3', '2026-11-10', 'resolved'),
      alert('monitoring-gap', '2026-11-05', 'resolved'),
      alert('monitoring-gap', '2026-11-22', 'firing'),
    ] as never);
    const alerts = new AlertRepository(ds);
    const latest = await ds.transaction((tx) => alerts.latestOfRules(30, ['r1', 'r2', 'r1'], tx));
    expect([...latest.keys()].sort()).toEqual(['r1', 'r2']);
    expect(latest.get('r1')?.episodeStart).toBe('2026-11-20');
    for (const [, read] of latest)
      expect(read).toStrictEqual(await repository.findOneByOrFail({ id: read.id }));
    expect((await ds.transaction((tx) => alerts.latestOfRules(30, [], tx))).size).toBe(0);

    const open = await alerts.unresolvedOfRule(30, 'monitoring-gap');
    expect(open).toStrictEqual(
      await repository.findBy({ pid: 30, ruleId: 'monitoring-gap', state: 'firing' }),
    );
    expect(open).toHaveLength(1);
    expect(await alerts.unresolvedOfRule(30, 'r3')).toEqual([]);
  });
});
