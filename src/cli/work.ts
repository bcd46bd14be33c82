import { AlertStepsDue } from '../alerts/alert-steps-due.repository';
import { OutboxRepository } from '../delivery/outbox.repository';
import { Transactions } from '../database/transactions';
import { PendingEvents } from '../events/pending-events.repository';
import { EvaluationsDueRepository } from '../rules/evaluations-due.repository';
import { SyncStateRepository } from '../ingest/sync-state.repository';
import { ParkedWork } from '../work/parked-work';
import { UnknownQueue, WorkQueues } from '../work/work-queues';
import type { CliContext } from './context';

function parkedWork(ctx: CliContext): ParkedWork {
  const ds = ctx.dataSource;
  return new ParkedWork(
    new WorkQueues(
      new PendingEvents(ds),
      new EvaluationsDueRepository(ds),
      new AlertStepsDue(ds),
      new OutboxRepository(ds),
      new SyncStateRepository(ds, ctx.env),
    ),
    new Transactions(ds),
    ctx.audit,
  );
}

/** One line per parked item: queue, key, attempts, when it was parked, the last error (words). */
export async function listFailedWork(
  ctx: CliContext,
  options: { queue?: string; limit: number },
): Promise<boolean> {
  try {
    const lists = await parkedWork(ctx).list(options.queue, options.limit);
    for (const list of lists) {
      for (const item of list.items) {
        console.log(
          `${list.queue}\t${item.key}\t${item.attempts} attempt(s)\tfailed ${item.parkedAt.toISOString()}\t${oneLine(item.lastError)}`,
        );
      }
      if (list.total > list.items.length) {
        console.log(`${list.queue}\t... and ${list.total - list.items.length} more (--limit)`);
      }
    }
    const counts = lists.map((list) => `${list.queue} ${list.total}`).join(', ');
    console.log(`Parked: ${counts}.`);
    return true;
  } catch (error) {
    return unknownQueue(error);
  }
}

/** Puts parked items back in their queue, due now, and says which ones. */
export async function retryFailedWork(
  ctx: CliContext,
  queue: string,
  keys: string[],
  all: boolean,
): Promise<boolean> {
  if (all === keys.length > 0) {
    console.error('Name the items to retry (their ids as `work failed` lists them), or --all.');
    return false;
  }
  try {
    const done = await parkedWork(ctx).retry(queue, all ? 'all' : keys, 'cli');
    console.log(
      done.retried.length > 0
        ? `Retrying ${done.retried.length} item(s) of ${done.queue}, due now: ${done.retried.join(', ')}`
        : `Nothing of ${done.queue} was retried.`,
    );
    if (done.notParked.length > 0) {
      console.log(`Not parked, left as they are: ${done.notParked.join(', ')}`);
    }
    return done.notParked.length === 0;
  } catch (error) {
    return unknownQueue(error);
  }
}

function unknownQueue(error: unknown): boolean {
  if (!(error instanceof UnknownQueue)) throw error;
  console.error(error.message);
  return false;
}

function oneLine(text: string | null): string {
  return text === null ? '-' : text.replace(/\s+/g, ' ');
}
