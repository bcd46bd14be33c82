import { DataSource, In } from 'typeorm';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { Delivery } from '../../src/delivery/delivery.entity';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { LEASE_MS, RENEW_EVERY_MS } from '../../src/delivery/outbox-policy';
import { OutboxRepository } from '../../src/delivery/outbox.repository';
import { Mailer } from '../../src/mail/mailer';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';

jest.setTimeout(60_000);

const RECIPIENT = 'lease-test@clinic.example';

/** Polls until `check` holds, failing after 5 s. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The outbox's row lease (LEASE_MS, one minute): a batch stays its
 * dispatcher's while the dispatcher works, and a stopped dispatcher's
 * unfinished rows are claimable a minute after its last renewal. "Another
 * dispatcher" is OutboxRepository.claimDue at a later instant, as a second process
 * would claim.
 */
describe.each(testEngines())('outbox row lease on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let ds: DataSource;
  let dispatcher: Dispatcher;
  let queue: OutboxRepository;
  let send: jest.SpyInstance;
  let sent: string[];

  beforeAll(async () => {
    // ROLE=api: no scheduler dispatches behind the test's back.
    db = await freshDatabase(engine, { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    ds = vigil.app.get(DataSource);
    dispatcher = vigil.app.get(Dispatcher);
    queue = vigil.app.get(OutboxRepository);
    send = jest.spyOn(vigil.app.get(Mailer), 'send');
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  beforeEach(() => {
    sent = [];
    send.mockReset();
    dispatcher.clock = Date.now;
    dispatcher.renewEveryMs = RENEW_EVERY_MS;
  });

  afterEach(() => ds.getRepository(Delivery).delete({ recipient: RECIPIENT }));

  /** Three emails due at `at`, in claim order. */
  async function threeEmails(at: Date): Promise<string[]> {
    const rows: Delivery[] = [];
    for (const subject of ['first', 'second', 'third']) {
      rows.push(
        await queue.enqueue(
          { kind: 'email', pid: null, recipient: RECIPIENT, payload: { subject, text: 't' } },
          at,
          ds.manager,
        ),
      );
    }
    return rows.map((row) => String(row.id));
  }

  const leases = async (ids: string[]): Promise<number[]> =>
    (await ds.getRepository(Delivery).findBy({ id: In(ids) })).map(
      (row) => row.claimedUntil?.getTime() ?? 0,
    );

  it('keeps a live dispatcher its slow batch: nobody else claims the rows while it works', async () => {
    const at = new Date('2026-11-20T10:00:00Z');
    const ids = await threeEmails(at);
    // The dispatcher's clock is the test's: minutes pass in milliseconds.
    let elapsedMs = 0;
    dispatcher.clock = () => elapsedMs;
    dispatcher.renewEveryMs = 20;
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    send.mockImplementation(async (mail: { subject: string }) => {
      sent.push(mail.subject);
      await slow;
      return 'queued';
    });

    const working = dispatcher.dispatchDue(at);
    await until('the first email is being sent', () => sent.length === 1);
    for (const minutes of [1, 2, 5]) {
      elapsedMs = minutes * 60_000;
      const later = at.getTime() + elapsedMs;
      // Every row of the batch, the one in hand included, renewed from the dispatcher's now.
      await until(`the lease is renewed at minute ${minutes}`, async () =>
        (await leases(ids)).every((until) => until >= later + LEASE_MS - RENEW_EVERY_MS),
      );
      expect(await queue.claimDue(new Date(later + 1000), 10)).toEqual([]);
    }
    release();
    await expect(working).resolves.toEqual({ delivered: 3, failed: 0 });
    expect(sent).toEqual(['first', 'second', 'third']);
    expect(await leases(ids)).toEqual([0, 0, 0]);
  });

  it("frees a stopped dispatcher's unfinished rows after a minute, and it leaves them when it wakes", async () => {
    const at = new Date('2026-11-20T12:00:00Z');
    const ids = await threeEmails(at);
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    send.mockImplementation(async (mail: { subject: string }) => {
      sent.push(mail.subject);
      if (mail.subject === 'second') await stuck;
      return 'queued';
    });

    // The dispatcher stops in the second email: no renewal comes (its timer is 20 s of real time away).
    const working = dispatcher.dispatchDue(at);
    await until('the second email is being sent', () => sent.length === 2);
    expect(await queue.claimDue(new Date(at.getTime() + 30_000), 10)).toEqual([]);
    const taken = await queue.claimDue(new Date(at.getTime() + 61_000), 10);
    expect(taken.map((row) => String(row.id))).toEqual(ids.slice(1));

    // Woken, it finishes the email in hand but never sends one another dispatcher holds.
    release();
    await expect(working).resolves.toEqual({ delivered: 2, failed: 0 });
    expect(sent).toEqual(['first', 'second']);
    const third = await ds.getRepository(Delivery).findOneByOrFail({ id: ids[2] });
    expect(third.status).toBe('pending');
    expect(third.claimedUntil).toEqual(taken[1].claimedUntil);
  });
});
