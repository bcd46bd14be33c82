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

  it('keeps the window over many minutes, dropping bookings a minute old', () => {
    const budget = new RequestBudget(5);
    const starts: number[] = [];
    for (let t = 0; t < 10 * 60_000; t += 7_000) starts.push(t + budget.reserve(t));
    for (const start of starts)
      expect(starts.filter((s) => s >= start && s < start + 60_000).length).toBeLessThanOrEqual(5);
    // Bursts of 5 every minute: each request starts when asked, since the burst before is a minute old.
    const bursts = new RequestBudget(5);
    for (let minute = 0; minute < 5; minute++)
      for (let i = 0; i < 5; i++) expect(bursts.reserve(minute * 60_000 + i)).toBe(0);
  });

  it("holds only the requests it booked, not perMinute slots: a patient's budget stays small", () => {
    // A budget sized by perMinute could not even be created here.
    const unlimited = new RequestBudget(2 ** 32);
    expect([0, 0, 10].map((t) => unlimited.reserve(t))).toEqual([0, 0, 0]);
    expect(unlimited.isIdleAt(60_009)).toBe(false);
    expect(unlimited.isIdleAt(60_010)).toBe(true);
  });
});
