import { groupBy } from './grouping';

describe('groupBy', () => {
  it('keeps each group in the order of its items, the groups in the order met', () => {
    const visits = [
      { pid: 2, date: '2026-12-01' },
      { pid: 1, date: '2026-12-02' },
      { pid: 2, date: '2026-12-03' },
      { pid: 1, date: '2026-12-01' },
    ];
    const byPid = groupBy(visits, (visit) => visit.pid);
    expect([...byPid.keys()]).toEqual([2, 1]);
    expect(byPid.get(2)!.map((v) => v.date)).toEqual(['2026-12-01', '2026-12-03']);
    expect(byPid.get(1)!.map((v) => v.date)).toEqual(['2026-12-02', '2026-12-01']);
  });

  it('gives no groups for no items', () => {
    expect(groupBy([], (n: number) => n).size).toBe(0);
  });
});
