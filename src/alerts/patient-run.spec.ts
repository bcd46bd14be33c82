import type { OutcomeResult } from '../rules/rule-definition';
import type { Alert } from './lifecycle';
import { addDays } from '../time';
import { stepPatientRun, type RunDay } from './patient-run';

const D = (n: number): string => addDays('2026-11-01', n);

const rule = (id: string, forDays = 1, inhibitedBy: string[] = []) => ({
  id,
  forDays,
  resolveAfterDays: 1,
  repeatAfterDays: 0,
  inhibitedBy,
});
const GAP = rule('monitoring-gap');
const RHR = rule('resting-hr-rise', 2, ['monitoring-gap']);
const SLEEP = rule('sleep-deficit');

const OUTCOME: Record<string, OutcomeResult> = { T: 'true', F: 'false', '?': 'insufficient_data' };

/** Days from `from`, one character per rule per day (T, F, ?). */
function days(from: number, series: Record<string, string>, rules = [GAP, RHR, SLEEP]): RunDay[] {
  const length = Math.max(...Object.values(series).map((s) => s.length));
  return Array.from({ length }, (_, i) => ({
    date: D(from + i),
    rules: rules
      .filter((r) => series[r.id]?.[i] !== undefined)
      .map((r) => ({ rule: r, outcome: OUTCOME[series[r.id][i]] })),
  }));
}

const none = new Map<string, Alert | null>();

describe('stepPatientRun', () => {
  it('announces every rule that ends the backfill firing once, whichever day it fired', () => {
    const runs = stepPatientRun(
      days(0, {
        'resting-hr-rise': 'FFTTTTT',
        'sleep-deficit': 'FTTTTTT',
        'monitoring-gap': 'FFFFFFF',
      }),
      none,
      '2026-11-08T06:00:00.000Z',
    );
    expect(runs.get('resting-hr-rise')?.notices).toEqual([
      { kind: 'fire', episodeStart: D(2), date: D(3) },
    ]);
    expect(runs.get('sleep-deficit')?.notices).toEqual([
      { kind: 'fire', episodeStart: D(1), date: D(1) },
    ]);
    expect(runs.get('monitoring-gap')?.notices).toEqual([]);
  });

  it('says nothing of an episode that fired and resolved within the run, and keeps its history', () => {
    const runs = stepPatientRun(days(0, { 'sleep-deficit': 'TTF' }, [SLEEP]), none);
    const sleep = runs.get('sleep-deficit')!;
    expect(sleep.notices).toEqual([]);
    expect(sleep.episodes).toHaveLength(1);
    expect(sleep.episodes[0].alert).toMatchObject({ state: 'resolved', firedOn: D(0) });
    expect(sleep.episodes[0].dates).toEqual([D(0), D(1), D(2)]);
    expect(sleep.episodes[0].transitions.map((t) => `${t.date} ${t.from ?? '-'}>${t.to}`)).toEqual([
      `${D(0)} ->pending`,
      `${D(0)} pending>firing`,
      `${D(2)} firing>resolved`,
    ]);
  });

  it('steps inhibitors first on each day and carries them to the next', () => {
    const runs = stepPatientRun(
      days(0, { 'monitoring-gap': 'TTT', 'resting-hr-rise': 'TTT' }, [RHR, GAP]),
      none,
    );
    expect(runs.get('resting-hr-rise')?.episodes[0].alert.state).toBe('inhibited');
    expect(runs.get('resting-hr-rise')?.notices).toEqual([]);
    expect(runs.get('monitoring-gap')?.notices.map((n) => n.kind)).toEqual(['fire']);
  });

  it('never announces an alert that fired and then was inhibited within the run, until the gap ends', () => {
    const runs = stepPatientRun(
      days(0, { 'monitoring-gap': 'FFTT', 'resting-hr-rise': 'TTTT', 'sleep-deficit': 'TTTT' }),
      none,
    );
    const hr = runs.get('resting-hr-rise')!;
    expect(hr.episodes[0].alert.state).toBe('inhibited');
    expect(hr.notices).toEqual([]);
    expect(hr.episodes[0].alert.lastNotifiedOn).toBeNull();
    expect(runs.get('sleep-deficit')!.notices.map((n) => n.kind)).toEqual(['fire']);
    // The gap ends: staff hear of the heart-rate alert now, as new.
    const after = stepPatientRun(
      days(4, { 'monitoring-gap': 'F', 'resting-hr-rise': 'T' }, [GAP, RHR]),
      new Map([
        ['monitoring-gap', runs.get('monitoring-gap')!.episodes[0].alert],
        ['resting-hr-rise', hr.episodes[0].alert],
      ]),
    );
    expect(after.get('resting-hr-rise')!.notices.map((n) => n.kind)).toEqual(['fire']);
  });

  it('resolves an alert staff were told of and opens the next episode in the same run', () => {
    const told = stepPatientRun(days(0, { 'sleep-deficit': 'T' }, [SLEEP]), none).get(
      'sleep-deficit',
    )!.episodes[0].alert;
    const runs = stepPatientRun(
      days(1, { 'sleep-deficit': 'FT' }, [SLEEP]),
      new Map([['sleep-deficit', told]]),
    );
    const sleep = runs.get('sleep-deficit')!;
    expect(sleep.before).toBe(told);
    expect(sleep.episodes.map((e) => [e.alert.episodeStart, e.alert.state])).toEqual([
      [D(0), 'resolved'],
      [D(2), 'firing'],
    ]);
    expect(sleep.notices.map((n) => `${n.kind} ${n.episodeStart}`)).toEqual([
      `resolve ${D(0)}`,
      `fire ${D(2)}`,
    ]);
  });

  it('takes the days in date order and ignores days already applied', () => {
    const told = stepPatientRun(days(0, { 'sleep-deficit': 'TT' }, [SLEEP]), none).get(
      'sleep-deficit',
    )!.episodes[0].alert;
    const shuffled = days(0, { 'sleep-deficit': 'FFTF' }, [SLEEP]).reverse();
    const runs = stepPatientRun(shuffled, new Map([['sleep-deficit', told]]));
    // Days 0 and 1 were applied before; day 2 holds, day 3 clears it.
    const sleep = runs.get('sleep-deficit')!;
    expect(sleep.episodes[0].dates).toEqual([D(2), D(3)]);
    expect(sleep.notices.map((n) => n.kind)).toEqual(['resolve']);
  });
});
