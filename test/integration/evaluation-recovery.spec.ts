import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { MonitoredPatient, MonitoredPatients } from '../../src/rules/monitored-patients';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { buildDays, MetricColumns } from '../fixtures/rules/build-days';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';

const fires = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/rules/resting-hr-rise/fires.json'), 'utf8'),
) as { start: string; metrics: MetricColumns };

/**
 * `patient.synced` lives in memory: a worker killed between a sync's commit and
 * its evaluation (the chaos test does it) leaves stored days nobody evaluated.
 * The next worker to start, and the hourly run, evaluate them.
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
    jest.spyOn(vigil.app.get(MonitoredPatients), 'activePatients').mockResolvedValue([patient]);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await vigil.shutdown('test finished');
    await db.drop();
  });

  it('evaluates recent complete days that have aggregates and no outcome, once', async () => {
    const evaluations = vigil.app.get(RuleEvaluations);
    const outcomes = vigil.app.get(DataSource).getRepository(RuleOutcome);
    await evaluations.evaluate([{ patient, dates: ['2026-02-10'] }]);

    const run = await evaluations.evaluateMissed(new Date('2026-02-15T10:00:00Z'));
    expect(run).toMatchObject({ patients: 1 });
    const dates = [...new Set((await outcomes.findBy({ pid: 1001 })).map((o) => o.date))].sort();
    // 02-07 and earlier are older than a sync re-evaluates; 02-10 was evaluated; 02-14 is too fresh.
    expect(dates).toEqual([
      '2026-02-08',
      '2026-02-09',
      '2026-02-10',
      '2026-02-11',
      '2026-02-12',
      '2026-02-13',
    ]);
    expect(await evaluations.evaluateMissed(new Date('2026-02-15T10:00:00Z'))).toMatchObject({
      patients: 0,
    });
    const later = await evaluations.evaluateMissed(new Date('2026-02-15T10:05:00Z'));
    expect(later).toMatchObject({ patients: 1 });
    expect(await outcomes.countBy({ pid: 1001, date: '2026-02-14' })).toBeGreaterThan(0);
  });
});
