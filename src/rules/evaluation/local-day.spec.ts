import { evaluationDay } from './local-day';

describe('evaluation days', () => {
  it('stands an evaluation at the last millisecond of the local day', () => {
    expect(evaluationDay('2026-03-08', 'America/New_York')).toEqual({
      date: '2026-03-08',
      asOf: new Date('2026-03-09T03:59:59.999Z'),
    });
    expect(evaluationDay('2026-03-08', 'UTC').asOf.toISOString()).toBe('2026-03-08T23:59:59.999Z');
  });
});
