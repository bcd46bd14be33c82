import { formShapeProblem, jsonShapeProblem } from './body-shape';

const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('body shape limits', () => {
  it('counts nesting of objects and arrays, not brackets inside strings', () => {
    expect(jsonShapeProblem(nested(64))).toBeNull();
    expect(jsonShapeProblem(nested(65))).toBe('The JSON body is nested more than 64 levels deep');
    expect(jsonShapeProblem(nested(5_000))).toMatch(/64 levels/);
    expect(jsonShapeProblem('['.repeat(65) + ']'.repeat(65))).toMatch(/64 levels/);
    expect(jsonShapeProblem(JSON.stringify({ s: '{['.repeat(500) + '\\"{' }))).toBeNull();
  });

  it('counts keys at every level, not colons inside strings', () => {
    const wide = (n: number) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'a:b'])));
    expect(jsonShapeProblem(wide(5_000))).toBeNull();
    expect(jsonShapeProblem(wide(5_001))).toBe('The JSON body has more than 5000 keys');
  });

  it('counts form fields', () => {
    expect(formShapeProblem('')).toBeNull();
    expect(formShapeProblem(Array.from({ length: 200 }, (_, i) => `f${i}=1`).join('&'))).toBeNull();
    expect(formShapeProblem(Array.from({ length: 201 }, (_, i) => `f${i}=1`).join('&'))).toBe(
      'The form has more than 200 fields',
    );
  });
});
