import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrateDatabase } from '../../src/database/migrate';
import { ThrottleCounters } from '../../src/http/throttle-counters.repository';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';

/** Two data sources on one MySQL database stand for two api processes (SQLite has one process). */
describe.each(testEngines())('rate-limit counters shared by processes on %s', (engine) => {
  let db: TestDatabase;
  let first: DataSource;
  let second: DataSource;

  beforeAll(async () => {
    db = await freshDatabase(engine);
    first = await new DataSource(dataSourceOptions(db.env)).initialize();
    await migrateDatabase(first);
    second =
      engine === 'mysql' ? await new DataSource(dataSourceOptions(db.env)).initialize() : first;
  });
  afterAll(async () => {
    await first.destroy();
    if (second !== first) await second.destroy();
    await db.drop();
  });

  it('counts every concurrent hit from every process against one budget', async () => {
    const processes = [new ThrottleCounters(first), new ThrottleCounters(second)];
    const hits = await Promise.all(
      Array.from({ length: 40 }, (_, i) => processes[i % 2].increment('client-a', 60_000, 30)),
    );
    expect(hits.map((h) => h.totalHits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    expect(hits.filter((h) => h.isBlocked)).toHaveLength(10);
    const blocked = hits.find((h) => h.isBlocked);
    expect(blocked?.timeToBlockExpire).toBeGreaterThan(0);
    expect(blocked?.timeToBlockExpire).toBeLessThanOrEqual(60);
    expect((await processes[1].increment('client-b', 60_000, 30)).totalHits).toBe(1);
  });

  it('holds sign-ins back per (username, address), growing, and forgets on success', async () => {
    const a = new ThrottleCounters(first);
    const b = new ThrottleCounters(second);
    const now = new Date('2026-12-06T10:00:00Z');
    const hold = (failures: number) => (failures > 1 ? failures * 1000 : 0);
    expect(await a.recordSignInFailure('kim', '10.0.0.1', now, 3_600_000, hold)).toBe(1);
    expect(await b.recordSignInFailure('kim', '10.0.0.1', now, 3_600_000, hold)).toBe(2);
    expect(await a.signInHeldUntil('kim', '10.0.0.1', now)).toEqual(new Date(now.getTime() + 2000));
    expect(await a.signInHeldUntil('kim', '10.0.0.2', now)).toBeNull();
    expect(await a.signInHeldUntil('lee', '10.0.0.1', now)).toBeNull();
    const later = new Date(now.getTime() + 3_600_001);
    expect(await b.recordSignInFailure('kim', '10.0.0.1', later, 3_600_000, hold)).toBe(1);
    await a.clearSignInFailures('kim', '10.0.0.1');
    expect(await b.signInHeldUntil('kim', '10.0.0.1', later)).toBeNull();
  });
});
