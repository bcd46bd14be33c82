import { createRandom, hashSeed } from './prng';

describe('seeded PRNG', () => {
  it('repeats the same sequence for the same seed parts', () => {
    const a = createRandom('vigil', 3, '2026-11-01');
    const b = createRandom('vigil', 3, '2026-11-01');
    const first = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(first);
  });

  it('gives different sequences for different seeds', () => {
    expect(createRandom('vigil', 1).next()).not.toEqual(createRandom('vigil', 2).next());
    expect(hashSeed('a', 'bc')).not.toEqual(hashSeed('ab', 'c'));
  });

  it('stays in range and is roughly uniform and normal', () => {
    const random = createRandom('range');
    const values = Array.from({ length: 20_000 }, () => random.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((sum, v) => sum + v, 0) / values.length).toBeCloseTo(0.5, 1);
    const ints = Array.from({ length: 1000 }, () => random.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
    const normals = Array.from({ length: 20_000 }, () => random.normal(60, 5));
    const mean = normals.reduce((sum, v) => sum + v, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((sum, v) => sum + (v - mean) ** 2, 0) / normals.length);
    expect(mean).toBeCloseTo(60, 0);
    expect(sd).toBeGreaterThan(4.7);
    expect(sd).toBeLessThan(5.3);
  });
});
