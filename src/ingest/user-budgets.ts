import { RequestBudget } from '../wearables/google-health/request-budget';

interface Entry {
  budget: RequestBudget;
  /** Syncs of the patient running now. */
  syncing: number;
}

/**
 * Google's per-user quota spans syncs: a patient synced again within the
 * minute (a webhook, "sync now") shares the budget of the sync before. Past
 * `kept` patients, the least recently synced are forgotten, but only once
 * forgetting loses nothing: no sync of theirs runs (a long backfill outlasts
 * a thousand short syncs) and none of their requests is in the last minute.
 * So at most `kept` budgets (each holds its last minute's bookings: a sync's
 * ~10 requests, well under 1 KB), more only while the worker makes requests
 * for more patients than that within a minute.
 */
export class RecentUserBudgets {
  /** Least recently used first: a sync's start and end both count as use. */
  private readonly budgets = new Map<number, Entry>();

  constructor(
    private readonly perMinute: number,
    private readonly kept: number,
  ) {}

  /** The patient's budget for a sync starting now; `release` it when the sync ends. */
  acquire(connectionId: number, now = Date.now()): RequestBudget {
    const entry = this.budgets.get(connectionId) ?? {
      budget: new RequestBudget(this.perMinute),
      syncing: 0,
    };
    entry.syncing += 1;
    this.use(connectionId, entry, now);
    return entry.budget;
  }

  release(connectionId: number, now = Date.now()): void {
    const entry = this.budgets.get(connectionId);
    if (entry === undefined) return;
    entry.syncing -= 1;
    this.use(connectionId, entry, now);
  }

  get size(): number {
    return this.budgets.size;
  }

  private use(connectionId: number, entry: Entry, now: number): void {
    this.budgets.delete(connectionId);
    this.budgets.set(connectionId, entry);
    for (const [id, candidate] of this.budgets) {
      if (this.budgets.size <= this.kept) return;
      if (candidate.syncing > 0) continue;
      // The ones after it were used later: likely busier still.
      if (!candidate.budget.isIdleAt(now)) return;
      this.budgets.delete(id);
    }
  }
}
