import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { KeyRing } from '../../src/crypto/key-ring';
import { migrateDatabase } from '../../src/database/migrate';
import { openDatabase } from '../../src/database/open-database';
import { inTransaction } from '../../src/database/transactions';
import { PendingEvent } from '../../src/events/pending-event.entity';
import { PENDING_EVENTS_POLICY, PendingEvents } from '../../src/events/pending-events.repository';
import { freshDatabase, type TestDatabase } from '../support/databases';
import { ROOT } from '../support/processes';

const run = promisify(execFile);

jest.setTimeout(120_000);

/**
 * `vigil work failed` and `vigil work retry`, run as an operator runs them, on
 * the embedded database (parked-work.spec.ts covers both engines' queues).
 */
describe('work commands', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    ds = await openDatabase(db.env);
    await migrateDatabase(ds);
    env = {
      PATH: process.env.PATH ?? '',
      ENCRYPTION_KEYS: KeyRing.generateEntry('cli'),
      DATA_DIR: db.env.DATA_DIR,
    };
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const cli = (...args: string[]) =>
    run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env,
    });

  /** An event parked after what the relay counts as its last attempt. */
  async function parkedEvent(reason: string): Promise<string> {
    const events = new PendingEvents(ds);
    await inTransaction(ds, (tx) => events.record('test.event', { n: 1 }, new Date(), tx));
    const [claimed] = await events.claimDue(new Date(Date.now() + 1000), 1);
    await events.fail(
      { ...claimed, attempts: PENDING_EVENTS_POLICY.maxAttempts },
      new Date(),
      reason,
    );
    return claimed.id;
  }

  it('lists parked items per queue, retries one, and says what it left alone', async () => {
    const empty = await cli('work', 'failed');
    expect(empty.stdout).toBe(
      'Parked: pending_events 0, evaluations_due 0, alert_steps_due 0, outbox 0, sync 0.\n',
    );

    const id = await parkedEvent('listener threw\nTypeError');
    const parked = await ds.getRepository(PendingEvent).findOneByOrFail({ id });
    const listed = await cli('work', 'failed');
    expect(listed.stdout).toBe(
      `pending_events\t${id}\t1 attempt(s)\tfailed ${parked.failedAt!.toISOString()}\tlistener threw TypeError\n` +
        'Parked: pending_events 1, evaluations_due 0, alert_steps_due 0, outbox 0, sync 0.\n',
    );
    const one = await cli('work', 'failed', '--queue', 'outbox');
    expect(one.stdout).toBe('Parked: outbox 0.\n');

    const retried = await cli('work', 'retry', 'pending_events', id);
    expect(retried.stdout).toBe(`Retrying 1 item(s) of pending_events, due now: ${id}\n`);
    expect(await ds.getRepository(PendingEvent).findOneByOrFail({ id })).toMatchObject({
      failedAt: null,
      attempts: 0,
      lastError: null,
    });
    expect(
      await ds.getRepository(AuditEvent).findOneByOrFail({ action: 'work.retried' }),
    ).toMatchObject({
      actor: 'cli',
      subjectId: 'pending_events',
    });

    // Not parked any more: left as it is, and the exit code says so.
    await expect(cli('work', 'retry', 'pending_events', id)).rejects.toMatchObject({
      code: 1,
      stdout: `Nothing of pending_events was retried.\nNot parked, left as they are: ${id}\n`,
    });
  });

  it('retries every parked item of a queue with --all', async () => {
    const first = await parkedEvent('one');
    const second = await parkedEvent('two');
    const retried = await cli('work', 'retry', 'pending_events', '--all');
    expect(retried.stdout).toBe(
      `Retrying 2 item(s) of pending_events, due now: ${[first, second].join(', ')}\n`,
    );
  });

  it('names an unknown queue, and refuses a retry that names nothing', async () => {
    await expect(cli('work', 'failed', '--queue', 'sync_states_typo')).rejects.toMatchObject({
      code: 1,
      stderr:
        'There is no work queue called "sync_states_typo"; the queues are pending_events, evaluations_due, alert_steps_due, outbox, sync.\n',
    });
    await expect(cli('work', 'retry', 'nope', '--all')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no work queue called "nope"'),
    });
    await expect(cli('work', 'retry', 'outbox')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Name the items to retry'),
    });
  });
});
