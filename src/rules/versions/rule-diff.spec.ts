import { diffRules } from './rule-diff';

describe('diffRules', () => {
  it('lists changed values by JSON path, with what they were and became', () => {
    const before = {
      params: { deltaBpm: 4, days: 28 },
      recipients: ['provider', 'group:clin'],
      conditions: { all: [{ fact: 'window', value: 1 }] },
    };
    const after = {
      params: { deltaBpm: 6, days: 28, extra: 1 },
      recipients: ['provider'],
      conditions: { all: [{ fact: 'window', value: 1 }] },
    };
    expect(diffRules(before, after)).toEqual([
      { path: '$.params.deltaBpm', before: 4, after: 6 },
      { path: '$.params.extra', after: 1 },
      { path: '$.recipients[1]', before: 'group:clin' },
    ]);
  });

  it('finds nothing between equal rules whatever their key order', () => {
    expect(diffRules({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('replaces a value whose type changed whole', () => {
    expect(diffRules({ value: 3 }, { value: { param: 'x' } })).toEqual([
      { path: '$.value', before: 3, after: { param: 'x' } },
    ]);
  });
});
