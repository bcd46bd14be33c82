import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { inTransaction } from '../../src/database/transactions';
import { OutboxRepository } from '../../src/delivery/outbox.repository';
import { PendingEvent } from '../../src/events/pending-event.entity';
import { PENDING_EVENTS_POLICY, PendingEvents } from '../../src/events/pending-events.repository';
import {
  EVALUATIONS_DUE_POLICY,
  EvaluationsDueRepository,
  recordEvaluationDue,
} from '../../src/rules/evaluations-due.repository';
import { ParkedWork } from '../../src/work/parked-work';
import { UnknownQueue, WorkQueues } from '../../src/work/work-queues';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';

jest.setTimeout(60_000);

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

/**
 * Parked work seen and put back by an operator (src/work/parked-work.ts), on
 * each queue of the leased-queue mechanism: an item parked after its last
 * attempt is listed, a retry makes it due again with its attempts reset (and
 * audits it), and the queue's own worker then claims and finishes it.
 */
describe.each(testEngines())('parked work on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let ds: DataSource;
  let parked: ParkedWork;

  beforeAll(async () => {
    // ROLE=api: no relay, evaluator or dispatcher works the queues behind the test's back.
    db = await freshDatabase(engine, { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    ds = vigil.app.get(DataSource);
    parked = vigil.app.get(ParkedWork);
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  beforeEach(async () => {
    for (const table of ['pending_events', 'evaluations_due', 'delivery_alerts', 'deliveries']) {
      await ds.query(`DELETE FROM ${table}`);
    }
    await ds.getRepository(AuditEvent).delete({ action: 'work.retried' });
  });

  const events = () => vigil.app.get(PendingEvents);

  /** An event recorded at T0 and claimed once; parked at once when `park`. */
  async function event(park: boolean, reason = 'listener threw TypeError'): Promise<string> {
    await inTransaction(ds, (tx) => events().record('test.event', { n: 1 }, T0, tx));
    const [claimed] = await events().claimDue(at(1), 1);
    if (park) {
      // The relay's own failure path, on what it counts as the last attempt.
      const last = { ...claimed, attempts: PENDING_EVENTS_POLICY.maxAttempts };
      expect(await events().fail(last, at(2), reason)).toBe('parked');
    }
    return claimed.id;
  }

  const retries = (): Promise<AuditEvent[]> =>
    ds.getRepository(AuditEvent).findBy({ action: 'work.retried' });

  it('lists a parked event with its attempts, when it was parked and why', async () => {
    const id = await event(true);
    await event(false);
    const lists = await parked.list();
    expect(lists.map((l) => l.queue)).toEqual([
      'pending_events',
      'evaluations_due',
      'alert_steps_due',
      'outbox',
      'sync',
    ]);
    expect(lists[0]).toEqual({
      queue: 'pending_events',
      total: 1,
      items: [{ key: id, attempts: 1, parkedAt: at(2), lastError: 'listener threw TypeError' }],
    });
    expect(lists[1]).toEqual({ queue: 'evaluations_due', total: 0, items: [] });
    expect(await parked.list('pending_events', 5)).toEqual([lists[0]]);
  });

  it('retries a parked event: due now, attempts reset, audited; the relay then claims and settles it', async () => {
    const id = await event(true);
    const done = await parked.retry('pending_events', [id], 'cli', at(10));
    expect(done).toEqual({ queue: 'pending_events', retried: [id], notParked: [] });
    expect(await ds.getRepository(PendingEvent).findOneByOrFail({ id })).toMatchObject({
      failedAt: null,
      attempts: 0,
      lastError: null,
      dueAt: at(10),
    });
    const [audit] = await retries();
    expect(audit).toMatchObject({
      actor: 'cli',
      subjectType: 'work_queue',
      subjectId: 'pending_events',
    });
    expect(JSON.parse(audit.details ?? '{}')).toEqual({
      queue: 'pending_events',
      count: 1,
      all: false,
      keys: [id],
    });

    const [claimed] = await events().claimDue(at(10), 10);
    expect(claimed).toMatchObject({ id, attempts: 1 });
    await events().settle(claimed);
    expect(await ds.getRepository(PendingEvent).countBy({})).toBe(0);
    expect((await vigil.app.get(WorkQueues).failed()).pending_events).toBe(0);
  });

  it('changes nothing when asked to retry an item that is not parked', async () => {
    const waiting = await event(false);
    const before = await ds.getRepository(PendingEvent).findOneByOrFail({ id: waiting });
    const done = await parked.retry('pending_events', [waiting, '999999'], 'cli', at(10));
    expect(done).toEqual({ queue: 'pending_events', retried: [], notParked: [waiting, '999999'] });
    expect(await ds.getRepository(PendingEvent).findOneByOrFail({ id: waiting })).toEqual(before);
    expect(await retries()).toEqual([]);
  });

  it('retries every parked item of one queue with all, and only those', async () => {
    const first = await event(true);
    const second = await event(true);
    const waiting = await event(false);
    const waitingBefore = await ds.getRepository(PendingEvent).findOneByOrFail({ id: waiting });
    const done = await parked.retry('pending_events', 'all', 'cli', at(10));
    expect(done.retried.sort()).toEqual([first, second].sort());
    expect(await ds.getRepository(PendingEvent).findOneByOrFail({ id: waiting })).toEqual(
      waitingBefore,
    );
    expect((await parked.list('pending_events'))[0].total).toBe(0);
  });

  it('names an unknown queue, and the known ones', async () => {
    await expect(parked.retry('sync_states_typo', 'all', 'cli')).rejects.toThrow(UnknownQueue);
    await expect(parked.retry('sync_states_typo', ['1'], 'cli')).rejects.toThrow(
      'There is no work queue called "sync_states_typo"; the queues are pending_events, evaluations_due, alert_steps_due, outbox, sync.',
    );
    await expect(parked.list('nope')).rejects.toThrow('"nope"');
  });

  it('retries a parked evaluation due, which a worker then claims', async () => {
    const evaluations = vigil.app.get(EvaluationsDueRepository);
    await inTransaction(ds, (tx) => recordEvaluationDue(tx, 1001, ['2026-02-28'], T0));
    const [claimed] = await evaluations.claimDue(at(5), 1);
    const last = { ...claimed, attempts: EVALUATIONS_DUE_POLICY.maxAttempts };
    expect(await evaluations.fail(last, at(6), 'TypeError')).toBe('parked');
    expect(await evaluations.claimDue(at(600), 1)).toEqual([]);
    const [list] = await parked.list('evaluations_due');
    expect(list.items).toEqual([
      { key: '1001', attempts: 1, parkedAt: at(6), lastError: 'TypeError' },
    ]);

    expect((await parked.retry('evaluations_due', ['1001'], 'cli', at(7))).retried).toEqual([
      '1001',
    ]);
    const [again] = await evaluations.claimDue(at(7), 1);
    expect(again).toMatchObject({ pid: 1001, attempts: 1, dates: ['2026-02-28'] });
    await evaluations.settle(again);
    expect(await evaluations.of(1001)).toBeNull();
  });

  it('retries a parked delivery, which the dispatcher then claims with its marker unchanged', async () => {
    const outbox = vigil.app.get(OutboxRepository);
    const row = await outbox.enqueue(
      {
        kind: 'email',
        pid: null,
        recipient: 'oncall@clinic.example',
        payload: { subject: 's', text: 't' },
      },
      T0,
      ds.manager,
    );
    const [claimed] = await outbox.claimDue(at(1), 1);
    expect(await outbox.markFailed(claimed, at(2), 'mail server refused', true)).toBe(true);
    expect(await outbox.claimDue(at(600), 1)).toEqual([]);
    expect((await vigil.app.get(WorkQueues).failed()).outbox).toBe(1);

    const done = await parked.retry('outbox', [String(row.id)], 'cli', at(3));
    expect(done.retried).toEqual([String(row.id)]);
    const [again] = await outbox.claimDue(at(3), 1);
    expect(String(again.id)).toBe(String(row.id));
    expect(again).toMatchObject({ status: 'pending', attempts: 1, marker: row.marker });
  });

  it('reads depth, oldest age and parked count for metrics from the queue owner', async () => {
    await event(true);
    await event(false);
    const readings = await vigil.app.get(WorkQueues).readings(at(60));
    expect(readings.pending_events).toEqual({ depth: 1, oldestAgeSeconds: 3600, failed: 1 });
    expect(readings.outbox).toEqual({ depth: 0, oldestAgeSeconds: 0, failed: 0 });
  });
});
