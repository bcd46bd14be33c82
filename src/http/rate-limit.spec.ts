import { FixedWindowCounter } from './rate-limit';

describe('FixedWindowCounter', () => {
  it('lets the limit through, then says how long to wait, then resets', () => {
    const counter = new FixedWindowCounter();
    const spec = { limit: 3, windowSeconds: 60 };
    expect([0, 1, 2].map(() => counter.hit('ip-a', spec, 1_000))).toEqual([0, 0, 0]);
    expect(counter.hit('ip-a', spec, 31_000)).toBe(30);
    expect(counter.hit('ip-b', spec, 31_000)).toBe(0);
    expect(counter.hit('ip-a', spec, 61_000)).toBe(0);
  });
});
