import { RecentUserBudgets } from './user-budgets';

/** One sync of `id`, without requests, at `now`. */
function sync(budgets: RecentUserBudgets, id: number, now = 0): void {
  budgets.acquire(id, now);
  budgets.release(id, now);
}

describe('recent per-user request budgets', () => {
  it("hands a patient's next sync the budget of the sync before", () => {
    const budgets = new RecentUserBudgets(240, 1000);
    const first = budgets.acquire(7);
    budgets.release(7);
    expect(budgets.acquire(7)).toBe(first);
    expect(budgets.acquire(8)).not.toBe(first);
  });

  it('forgets the least recently synced patients past the bound', () => {
    const budgets = new RecentUserBudgets(240, 3);
    const first = budgets.acquire(1);
    budgets.release(1);
    for (const id of [2, 3, 4]) sync(budgets, id);
    expect(budgets.size).toBe(3);
    expect(budgets.acquire(1)).not.toBe(first);
  });

  it('keeps the budget of a patient still syncing while more than the bound of others sync', () => {
    const budgets = new RecentUserBudgets(240, 3);
    const backfill = budgets.acquire(1);
    for (let id = 2; id <= 10; id++) sync(budgets, id);
    // The long sync's budget stays; the others make room around it...
    expect(budgets.size).toBe(3);
    budgets.release(1);
    // ...and its end counts as recent: the patient's next sync, after others', shares it.
    sync(budgets, 11);
    sync(budgets, 12);
    expect(budgets.acquire(1)).toBe(backfill);
    expect(budgets.size).toBe(3);
  });

  it('shares one budget between two syncs of a patient running at once', () => {
    const budgets = new RecentUserBudgets(240, 1);
    const one = budgets.acquire(1);
    const two = budgets.acquire(1);
    sync(budgets, 2);
    budgets.release(1);
    sync(budgets, 3);
    expect(budgets.acquire(1)).toBe(one);
    expect(two).toBe(one);
  });

  it('keeps a budget with requests in the last minute past the bound, until that minute is over', () => {
    const budgets = new RecentUserBudgets(240, 2);
    const busy = budgets.acquire(1, 0);
    busy.reserve(1000);
    budgets.release(1, 2000);
    for (const id of [2, 3, 4]) sync(budgets, id, 3000);
    expect(budgets.size).toBe(4);
    expect(budgets.acquire(1, 30_000)).toBe(busy);
    budgets.release(1, 30_000);
    expect(budgets.size).toBe(2);
    // A minute after its last request the budget is as good as new: forgetting it loses nothing.
    for (const id of [5, 6]) sync(budgets, id, 61_000);
    expect(budgets.acquire(1, 61_000)).not.toBe(busy);
  });
});
