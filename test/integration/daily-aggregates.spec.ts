import { DataSource } from 'typeorm';
import { DailyAggregate, dayWithoutData } from '../../src/aggregates/daily-aggregate';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { DailyAggregates, toRow } from '../../src/aggregates/daily-aggregates.repository';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrateDatabase } from '../../src/database/migrate';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';

describe.each(testEngines())('daily aggregates on %s', (engine) => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: DailyAggregates;

  beforeAll(async () => {
    db = await freshDatabase(engine);
    ds = await new DataSource(dataSourceOptions(db.env)).initialize();
    await migrateDatabase(ds);
    repo = new DailyAggregates(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('round-trips every column and keeps missing values null, not zero', async () => {
    const day: DailyAggregate = {
      ...dayWithoutData('2026-03-08'),
      restingHrProvider: 61,
      hrMean: 69.1,
      wearMinutes: 1380,
      steps: 0,
      sleepEfficiency: 91.5,
      sleepStart: '2026-03-07T23:10:00-05:00',
      sleepEnd: '2026-03-08T07:02:00-04:00',
      weightKg: 81.25,
      skinTempDeviation: -0.12,
      coverage: { heartRateSamples: 1380, stepMinutes: 1440, dataTypes: ['heart-rate', 'steps'] },
    };
    await repo.upsert(7, [day]);
    expect(await repo.series(7, '2026-03-01', '2026-03-31')).toEqual([day]);
  });

  it('writes and reads the rows the entity maps, every column and the time written to the millisecond', async () => {
    const day: DailyAggregate = {
      ...dayWithoutData('2026-04-02'),
      restingHrEstimate: 58.4,
      hrMin: 48,
      sleepAsleepMinutes: 402,
      sleepEnd: '2026-04-02T06:31:00+02:00',
      respiratoryRate: 14.2,
      coverage: { heartRateSamples: 12, stepMinutes: 0, dataTypes: ['heart-rate', 'sleep'] },
    };
    const before = Date.now();
    await repo.upsert(9, [day]);
    const after = Date.now();
    const rows = ds.getRepository(DailyAggregateRow);
    const stored = await rows.findOneByOrFail({ pid: 9, date: '2026-04-02' });
    const { updatedAt, id: _id, ...columns } = stored;
    const { updatedAt: _expected, ...expected } = toRow(9, day, new Date());
    expect(columns).toEqual(expected);
    expect(updatedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(updatedAt.getTime()).toBeLessThanOrEqual(after);
    // A row the entity's repository wrote reads back the same as one written here.
    await rows.insert(toRow(10, day, new Date(before)));
    expect(await repo.series(10, '2026-04-01', '2026-04-30')).toEqual(
      await repo.series(9, '2026-04-01', '2026-04-30'),
    );
  });

  it('upserts idempotently and rewrites a day when late data arrives', async () => {
    const days = ['2026-11-01', '2026-11-02', '2026-11-03'].map((d) => ({
      ...dayWithoutData(d),
      steps: 1000,
    }));
    await repo.upsert(8, days);
    await repo.upsert(8, days);
    await repo.upsert(8, [{ ...dayWithoutData('2026-11-02'), steps: 5400 }]);
    const stored = await repo.series(8, '2026-11-01', '2026-11-30');
    expect(stored.map((d) => [d.date, d.steps])).toEqual([
      ['2026-11-01', 1000],
      ['2026-11-02', 5400],
      ['2026-11-03', 1000],
    ]);
  });

  it('loads many patients at once and never mixes them up', async () => {
    await repo.upsert(20, [{ ...dayWithoutData('2026-10-01'), steps: 20 }]);
    await repo.upsert(21, [{ ...dayWithoutData('2026-10-01'), steps: 21 }]);
    const series = await repo.seriesFor([20, 21, 22], '2026-09-01', '2026-10-31');
    expect([...series].map(([pid, ds2]) => [pid, ds2.map((d) => d.steps)])).toEqual([
      [20, [20]],
      [21, [21]],
      [22, []],
    ]);
    expect(await repo.purge(20)).toBe(1);
    expect(await repo.series(20, '2026-01-01', '2026-12-31')).toEqual([]);
    expect(await repo.series(21, '2026-01-01', '2026-12-31')).toHaveLength(1);
  });

  it('reads the metrics with data of a page of patients in one query per window, as one patient at a time would', async () => {
    await repo.upsert(30, [
      { ...dayWithoutData('2026-09-10'), steps: 300, wearMinutes: 600 },
      { ...dayWithoutData('2026-09-20'), weightKg: 80 },
    ]);
    await repo.upsert(31, [{ ...dayWithoutData('2026-09-11'), sleepTotalMinutes: 400 }]);
    await repo.upsert(32, [{ ...dayWithoutData('2026-09-19'), spo2Average: 96 }]);
    // Two time zones: two windows a day apart; patient 33 has no rows at all.
    const windows = [
      { pid: 30, from: '2026-09-11', to: '2026-09-20' },
      { pid: 31, from: '2026-09-11', to: '2026-09-20' },
      { pid: 32, from: '2026-09-10', to: '2026-09-19' },
      { pid: 33, from: '2026-09-10', to: '2026-09-19' },
    ];
    const single = new Map<number, Set<string>>();
    for (const w of windows) single.set(w.pid, await repo.metricsWithData(w.pid, w.from, w.to));
    const queries = jest.spyOn(ds, 'query');
    try {
      const batched = await repo.metricsWithDataOf(windows);
      expect(batched).toEqual(single);
      expect(queries).toHaveBeenCalledTimes(2);
    } finally {
      queries.mockRestore();
    }
    expect([...single.get(30)!]).toEqual(['weightKg']);
    expect([...single.get(32)!]).toEqual(['spo2Average']);
    expect(single.get(33)!.size).toBe(0);
  });
});
