import { RequestBudget } from './request-budget';

describe('RequestBudget', () => {
  it('lets perMinute requests through, then books slots a minute after the oldest', () => {
    const budget = new RequestBudget(3);
    expect([0, 10, 20].map((t) => budget.reserve(t))).toEqual([0, 0, 0]);
    expect(budget.reserve(30)).toBe(60_000 - 30);
    expect(budget.reserve(40)).toBe(60_010 - 40);
    expect(budget.reserve(70_000)).toBe(0);
  });

  it('never starts more than perMinute requests in any minute', () => {
    const budget = new RequestBudget(5);
    const starts = Array.from({ length: 40 }, (_, i) => i * 100 + budget.reserve(i * 100));
    for (const start of starts)
      expect(starts.filter((s) => s >= start && s < start + 60_000).length).toBeLessThanOrEqual(5);
  });
});
