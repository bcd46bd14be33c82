import request from 'supertest';
import { DataSource } from 'typeorm';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { LeasedQueue } from '../../src/database/leased-queue';
import type { WorkPolicy } from '../../src/database/work-policy';
import { PendingEvent } from '../../src/events/pending-event.entity';
import { PENDING_EVENTS_QUEUE } from '../../src/events/pending-events.repository';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';

jest.setTimeout(60_000);

const POLICY: WorkPolicy = {
  leaseMs: 60_000,
  firstRetryMs: 10_000,
  longestWaitMs: 40_000,
  maxAttempts: 3,
};
const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

/**
 * The one leased queue (src/database/leased-queue.ts), on the pending events'
 * table as the relay uses it. "Another process" is a second connection pool
 * on MySQL; on SQLite, the one process's queued transactions.
 */
describe.each(testEngines())('the leased queue on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let ds: DataSource;
  let other: DataSource;

  beforeAll(async () => {
    // ROLE=api: no relay polls the table behind the test's back.
    db = await freshDatabase(engine, { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    ds = vigil.app.get(DataSource);
    other = engine === 'mysql' ? await new DataSource(dataSourceOptions(db.env)).initialize() : ds;
  });

  afterAll(async () => {
    if (other !== ds) await other.destroy();
    await vigil.shutdown('test finished');
    await db.drop();
  });

  beforeEach(() => ds.getRepository(PendingEvent).clear());

  const queue = (source: DataSource = ds, random = Math.random): LeasedQueue<PendingEvent> =>
    new LeasedQueue(source, PENDING_EVENTS_QUEUE, POLICY, random);

  async function events(count: number, dueAt = T0): Promise<string[]> {
    const rows = Array.from({ length: count }, (_, i) => ({
      name: 'test.event',
      payload: JSON.stringify({ n: i }),
      recordedAt: dueAt,
      dueAt,
      attempts: 0,
      lastError: null,
      failedAt: null,
    }));
    const result = await ds.getRepository(PendingEvent).insert(rows);
    return result.identifiers.map((id) => String(id.id));
  }

  const stored = (id: string): Promise<PendingEvent> =>
    ds.getRepository(PendingEvent).findOneByOrFail({ id });

  it('never hands one item to two claimers at once', async () => {
    const ids = await events(60);
    const claimers = [queue(ds), queue(other)];
    const taken: string[] = [];
    // Both claim in small batches at the same time until nothing is left.
    await Promise.all(
      claimers.map(async (claimer) => {
        for (;;) {
          const batch = await claimer.claimDue(at(1), 4);
          if (batch.length === 0) return;
          taken.push(...batch.map((row) => String(row.id)));
        }
      }),
    );
    expect(taken).toHaveLength(60);
    expect(new Set(taken)).toEqual(new Set(ids));
    const rows = await ds.getRepository(PendingEvent).find();
    expect(rows.every((row) => row.attempts === 1)).toBe(true);
  });

  it('hands an item out again once its lease ran out, counting the attempt', async () => {
    const [id] = await events(1);
    const [first] = await queue().claimDue(T0, 10);
    expect(first).toMatchObject({ attempts: 1, dueAt: at(POLICY.leaseMs) });
    expect(await queue(other).claimDue(at(POLICY.leaseMs - 1), 10)).toEqual([]);
    const [again] = await queue(other).claimDue(at(POLICY.leaseMs), 10);
    expect(String(again.id)).toBe(id);
    expect(again.attempts).toBe(2);
  });

  it('renews only for the claimer that still holds the item', async () => {
    const [id] = await events(1);
    const [mine] = await queue().claimDue(T0, 10);
    expect(await queue().renew(mine, at(30_000))).toBe(true);
    expect((await stored(id)).dueAt).toEqual(at(30_000 + POLICY.leaseMs));

    // The renewed lease lapses; another process claims the item.
    const [theirs] = await queue(other).claimDue(at(30_000 + POLICY.leaseMs), 10);
    const theirLease = theirs.dueAt;
    expect(await queue().renew(mine, at(100_000))).toBe(false);
    expect(await queue().fail(mine, at(100_000), 'late')).toBe('lost');
    expect(await stored(id)).toMatchObject({ dueAt: theirLease, lastError: null });
    expect(await queue(other).renew(theirs, at(100_000))).toBe(true);
  });

  it('waits longer after each failure, up to the cap, with jitter', async () => {
    const [id] = await events(1);
    const waits: number[] = [];
    const longer: LeasedQueue<PendingEvent> = new LeasedQueue(
      ds,
      PENDING_EVENTS_QUEUE,
      { ...POLICY, maxAttempts: 10 },
      () => 0.5,
    );
    let now = T0;
    for (let i = 0; i < 4; i++) {
      const [item] = await longer.claimDue(now, 1);
      expect(await longer.fail(item, now, 'OpenEMR down')).toBe('retrying');
      const due = (await stored(id)).dueAt;
      waits.push(due.getTime() - now.getTime());
      // Not before the wait is over.
      expect(await longer.claimDue(new Date(due.getTime() - 1), 1)).toEqual([]);
      now = due;
    }
    // 10 s, 20 s, 40 s, 40 s ceilings, three quarters of each at random() = 0.5.
    expect(waits).toEqual([7_500, 15_000, 30_000, 30_000]);
    expect((await stored(id)).lastError).toBe('OpenEMR down');
  });

  it('parks an item as failed after its last attempt, visible in /health/ready', async () => {
    const [poison] = await events(1);
    await events(1, at(24 * 3_600_000));
    let now = T0;
    const outcomes: string[] = [];
    for (let attempt = 1; attempt <= POLICY.maxAttempts; attempt++) {
      const [item] = await queue().claimDue(now, 1);
      expect(String(item.id)).toBe(poison);
      outcomes.push(await queue().fail(item, now, `broken listener ${attempt}`));
      now = new Date((await stored(poison)).dueAt.getTime());
    }
    expect(outcomes).toEqual(['retrying', 'retrying', 'parked']);
    expect(await stored(poison)).toMatchObject({
      attempts: POLICY.maxAttempts,
      failedAt: expect.any(Date),
      lastError: 'broken listener 3',
    });
    // Never claimed again, however late; the other item still is.
    const later = await queue().claimDue(at(48 * 3_600_000), 10);
    expect(later.map((row) => String(row.id))).not.toContain(poison);
    expect(later).toHaveLength(1);

    const ready = await request(vigil.url ?? '')
      .get('/health/ready')
      .expect(200);
    expect(ready.body.checks.work).toEqual({
      ok: true,
      detail: {
        failed: { pending_events: 1, evaluations_due: 0, alert_steps_due: 0, outbox: 0, sync: 0 },
      },
    });
  });
});
