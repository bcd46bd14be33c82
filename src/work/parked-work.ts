import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import type { ParkedItem } from '../database/leased-queue';
import { Transactions } from '../database/transactions';
import { WorkQueues } from './work-queues';

/** One queue's parked items as listed: the first `items`, and how many there are in all. */
export interface ParkedList {
  queue: string;
  total: number;
  items: ParkedItem[];
}

/** What a retry put back: the keys that were parked; the others were left alone. */
export interface Retried {
  queue: string;
  retried: string[];
  /** Asked for by key but not parked (waiting, leased, done or unknown): unchanged. */
  notParked: string[];
}

/** Audit details list at most this many keys; the count is always whole. */
const AUDITED_KEYS = 200;

/**
 * Work parked as failed after its last attempt, for operators (`vigil work
 * failed`, `vigil work retry`): list it per queue, and put it back in its
 * queue, due now with all its attempts ahead, with an audit line.
 */
@Injectable()
export class ParkedWork {
  constructor(
    private readonly queues: WorkQueues,
    private readonly transactions: Transactions,
    private readonly audit: AuditTrail,
  ) {}

  /** Each queue's parked items (or one queue's: UnknownQueue when no queue has that name). */
  async list(queue?: string, limit = 100): Promise<ParkedList[]> {
    const chosen = queue === undefined ? this.queues.all : [this.queues.named(queue)];
    const lists: ParkedList[] = [];
    for (const q of chosen) lists.push({ queue: q.name, ...(await q.parked(limit)) });
    return lists;
  }

  /** Puts parked items of one queue back, by key or all of them, and audits it in the same transaction. */
  async retry(
    queue: string,
    keys: readonly string[] | 'all',
    actor: string,
    now = new Date(),
  ): Promise<Retried> {
    const work = this.queues.named(queue);
    const retried = await this.transactions.run(async (tx) => {
      const back = await work.retryParked(keys, now, tx);
      if (back.length > 0) {
        await this.audit.record(
          {
            actor,
            action: 'work.retried',
            subjectType: 'work_queue',
            subjectId: work.name,
            details: {
              queue: work.name,
              count: back.length,
              all: keys === 'all',
              keys: back.slice(0, AUDITED_KEYS),
            },
          },
          tx,
        );
      }
      return back;
    });
    const put = new Set(retried);
    return {
      queue: work.name,
      retried,
      notParked: keys === 'all' ? [] : [...new Set(keys)].filter((key) => !put.has(key)),
    };
  }
}
