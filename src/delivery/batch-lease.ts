import type { Delivery } from './delivery.entity';
import type { OutboxRepository } from './outbox.repository';

/**
 * Keeps a claimed batch leased while its dispatcher works through it: every
 * `everyMs` the rows not yet finished get another minute, so a live dispatcher
 * keeps a slow batch, and a crashed one's unfinished rows are free a minute
 * after its last renewal. Renewals run one at a time: each checks that the
 * row's lease is still the one this dispatcher last wrote.
 */
export class BatchLease {
  private readonly unfinished: Map<string, Delivery>;
  /** Rows whose lease lapsed: another dispatcher may hold them now. */
  private readonly lost = new Set<string>();
  private renewals: Promise<unknown> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly queue: Pick<OutboxRepository, 'renew'>,
    rows: readonly Delivery[],
    /** The dispatcher's time now. */
    private readonly now: () => Date,
    everyMs: number,
  ) {
    this.unfinished = new Map(rows.map((row) => [String(row.id), row]));
    this.timer = setInterval(() => void this.queued(() => this.renewUnfinished()), everyMs);
    this.timer.unref();
  }

  /** Renews the row's lease before its delivery starts; false: leave it, it may be another's. */
  hold(row: Delivery): Promise<boolean> {
    return this.queued(async () => {
      if (this.lost.has(String(row.id))) return false;
      return this.renewOne(row);
    });
  }

  finished(row: Delivery): void {
    this.unfinished.delete(String(row.id));
  }

  /** Stops renewing and waits for a renewal under way, so none outlives the batch. */
  async end(): Promise<void> {
    clearInterval(this.timer);
    this.unfinished.clear();
    await this.renewals;
  }

  private queued<T>(task: () => Promise<T>): Promise<T> {
    const result = this.renewals.then(task);
    this.renewals = result.catch(() => undefined);
    return result;
  }

  private async renewUnfinished(): Promise<void> {
    for (const row of [...this.unfinished.values()]) {
      if (!this.lost.has(String(row.id))) await this.renewOne(row);
    }
  }

  /** A renewal the database refused or could not answer counts as lost: never deliver unsure. */
  private async renewOne(row: Delivery): Promise<boolean> {
    const held = await this.queue.renew(row, this.now()).catch(() => false);
    if (!held) this.lost.add(String(row.id));
    return held;
  }
}
