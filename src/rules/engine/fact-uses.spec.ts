import { join } from 'node:path';
import { loadRuleDirectory } from '../loader/load-rule-directory';
import { daysRead, factUses, metricOf, metricsOf, ruleDaysRead } from './fact-uses';

const starter = new Map(
  loadRuleDirectory(join(__dirname, '../../../rules')).rules.map((rule) => [rule.id, rule]),
);

describe('fact uses', () => {
  it('reaches back as far as the furthest span, counting the evaluation date', () => {
    expect(daysRead({ fact: 'window', params: { days: 7, endOffsetDays: 0 } })).toBe(7);
    expect(
      daysRead({
        fact: 'delta',
        params: {
          recent: { days: 7, endOffsetDays: 0 },
          baseline: { days: 28, endOffsetDays: 7 },
        },
      }),
    ).toBe(35);
    expect(daysRead({ fact: 'streak', params: { maxDays: 30, endOffsetDays: 2 } })).toBe(32);
    expect(daysRead({ fact: 'daysSinceSync', params: {} })).toBe(1);
  });

  it('follows param overrides when planning what to load', () => {
    const rule = starter.get('resting-hr-rise');
    if (!rule) throw new Error('starter rule missing');
    expect(ruleDaysRead(rule, rule.params)).toBe(35);
    expect(ruleDaysRead(rule, { ...rule.params, baselineDays: 40 })).toBe(47);
    expect([...new Set(factUses(rule, rule.params).map(metricOf))]).toEqual(['restingHrProvider']);
  });

  it('names no metric for the sync-age facts, and every stream for the stream facts', () => {
    const gap = starter.get('monitoring-gap');
    if (!gap) throw new Error('starter rule missing');
    const uses = factUses(gap, gap.params);
    expect(uses.map(metricOf)).toEqual([null, null, null, null]);
    const streams = ['wearMinutes', 'steps', 'sleepTotalMinutes', 'weightKg'];
    expect(uses.map(metricsOf)).toEqual([[], [], streams, streams]);
  });
});
