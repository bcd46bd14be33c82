import { aggregateCell } from './demo-pipeline';

describe("the demo's aggregates table", () => {
  it('prints at most one decimal, right-aligned, and a blank for no data', () => {
    expect(aggregateCell(91.37039999999999, 10)).toBe('      91.4');
    expect(aggregateCell(63.436699999999995, 10)).toBe('      63.4');
    expect(aggregateCell(96.7, 5)).toBe(' 96.7');
    expect(aggregateCell(7818, 6)).toBe('  7818');
    expect(aggregateCell(null, 5)).toBe('     ');
  });
});
