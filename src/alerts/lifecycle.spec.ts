import type { OutcomeResult } from '../rules/rule-definition';
import {
  alertKey,
  isFiring,
  stepAlert,
  type Alert,
  type AlertNotice,
  type AlertTiming,
  type AlertTransition,
} from './lifecycle';
import { addDays } from '../time';
import { acknowledgeAlert, resolveAlert, snoozeAlert } from './staff-actions';

/** Day n of the test month. */
const D = (n: number): string => addDays('2026-11-01', n);

const OUTCOMES: Record<string, OutcomeResult> = {
  T: 'true',
  F: 'false',
  '?': 'insufficient_data',
};

interface Run {
  alert: Alert | null;
  transitions: AlertTransition[];
  notices: AlertNotice[];
}

/**
 * Steps a series written one character per day from `fromDay`: T true, F false,
 * ? insufficient data, . not evaluated at all. `inhibited` marks days with an X.
 */
function run(
  series: string,
  timing: AlertTiming,
  options: { start?: Run; fromDay?: number; inhibited?: string } = {},
): Run {
  const state: Run = options.start ?? { alert: null, transitions: [], notices: [] };
  const fromDay = options.fromDay ?? 0;
  [...series].forEach((char, i) => {
    if (char === '.') {
      return;
    }
    const step = stepAlert(
      state.alert,
      { date: D(fromDay + i), outcome: OUTCOMES[char], inhibited: options.inhibited?.[i] === 'X' },
      timing,
    );
    state.alert = step.alert;
    state.transitions.push(...step.transitions);
    state.notices.push(...step.notices);
  });
  return state;
}

const moves = (r: Run): string[] =>
  r.transitions.map((t) => `${t.date} ${t.from ?? '-'}>${t.to} ${t.cause}`);
const said = (r: Run): string[] => r.notices.map((n) => `${n.date} ${n.kind} ${n.episodeStart}`);

const staff = (day: number) => ({ by: 'drsmith', at: `${D(day)}T15:00:00.000Z`, date: D(day) });

function applyStaff(r: Run, result: ReturnType<typeof acknowledgeAlert>): Run {
  if (!result.ok) {
    throw new Error(`refused: ${result.refusal}`);
  }
  return {
    alert: result.alert,
    transitions: [...r.transitions, result.transition],
    notices: [...r.notices, ...result.notices],
  };
}

const NRHR: AlertTiming = { forDays: 2, resolveAfterDays: 3, repeatAfterDays: 0 };

describe('stepAlert', () => {
  it('is pending for fewer than forDays true days and fires on the forDays-th', () => {
    const r = run('TT', NRHR);
    expect(moves(r)).toEqual([
      '2026-11-01 ->pending condition_began',
      '2026-11-02 pending>firing condition_held',
    ]);
    expect(said(r)).toEqual(['2026-11-02 fire 2026-11-01']);
    expect(r.alert).toMatchObject({ state: 'firing', episodeStart: D(0), firedOn: D(1) });
  });

  it('opens and fires on the same day when forDays is 1', () => {
    const r = run('T', { ...NRHR, forDays: 1 });
    expect(moves(r)).toEqual([
      '2026-11-01 ->pending condition_began',
      '2026-11-01 pending>firing condition_held',
    ]);
    expect(said(r)).toEqual(['2026-11-01 fire 2026-11-01']);
  });

  it('ends a pending episode on one false day, silently, and starts the next one afresh', () => {
    const r = run('TFTT', NRHR);
    expect(moves(r)).toEqual([
      '2026-11-01 ->pending condition_began',
      '2026-11-02 pending>resolved condition_ended_before_firing',
      '2026-11-03 ->pending condition_began',
      '2026-11-04 pending>firing condition_held',
    ]);
    expect(said(r)).toEqual(['2026-11-04 fire 2026-11-03']);
  });

  it('neither breaks nor extends a streak on insufficient-data or missing days', () => {
    const pending = run('T??.T', NRHR);
    expect(pending.alert).toMatchObject({ state: 'firing', episodeStart: D(0), firedOn: D(4) });
    expect(pending.alert?.trueStreak).toBe(2);

    const resolving = run('TTF?F.?F', NRHR);
    expect(moves(resolving).slice(-1)).toEqual(['2026-11-08 firing>resolved condition_cleared']);
    expect(said(resolving)).toEqual([
      '2026-11-02 fire 2026-11-01',
      '2026-11-08 resolve 2026-11-01',
    ]);
  });

  it('opens nothing on insufficient data or false days', () => {
    expect(run('?F?F', NRHR)).toEqual({ alert: null, transitions: [], notices: [] });
  });

  it('keeps a flapping condition as one firing alert told once', () => {
    const r = run('TTFTFTFFTFF', NRHR);
    expect(r.alert).toMatchObject({ state: 'firing', falseStreak: 2 });
    expect(said(r)).toEqual(['2026-11-02 fire 2026-11-01']);

    const ended = run('F', NRHR, { start: r, fromDay: 11 });
    expect(said(ended)).toEqual(['2026-11-02 fire 2026-11-01', '2026-11-12 resolve 2026-11-01']);
    expect(ended.alert).toMatchObject({ state: 'resolved', resolvedOn: D(11) });
  });

  it('re-notifies on true days at least repeatAfterDays after the last notice', () => {
    const r = run('TTT?TTTT', { forDays: 1, resolveAfterDays: 2, repeatAfterDays: 3 });
    expect(said(r)).toEqual([
      '2026-11-01 fire 2026-11-01',
      '2026-11-05 renotify 2026-11-01',
      '2026-11-08 renotify 2026-11-01',
    ]);
  });

  it('does not re-notify on false days during the resolve countdown', () => {
    const r = run('TFFTT', { forDays: 1, resolveAfterDays: 3, repeatAfterDays: 1 });
    expect(said(r)).toEqual([
      '2026-11-01 fire 2026-11-01',
      '2026-11-04 renotify 2026-11-01',
      '2026-11-05 renotify 2026-11-01',
    ]);
  });

  it('never re-notifies when repeatAfterDays is 0', () => {
    expect(said(run('TTTTTTTTTT', NRHR))).toEqual(['2026-11-02 fire 2026-11-01']);
  });

  it('ignores a day it has already applied', () => {
    const first = run('TT', NRHR);
    const again = stepAlert(first.alert, { date: D(1), outcome: 'false', inhibited: false }, NRHR);
    expect(again).toEqual({ alert: first.alert, transitions: [], notices: [] });
  });

  it('records the evaluation instant and the evaluation as actor', () => {
    const step = stepAlert(
      null,
      { date: D(0), outcome: 'true', inhibited: false, at: '2026-11-01T23:00:00.000Z' },
      NRHR,
    );
    expect(step.transitions).toEqual([
      {
        from: null,
        to: 'pending',
        date: D(0),
        at: '2026-11-01T23:00:00.000Z',
        cause: 'condition_began',
        actor: { kind: 'evaluation' },
        note: null,
      },
    ]);
  });
});

describe('data stopping', () => {
  it('goes stale after staleAfterDays (default 3) of insufficient data, told once', () => {
    const r = run('TT?????', NRHR);
    expect(moves(r).slice(-1)).toEqual(['2026-11-05 firing>stale data_stopped']);
    expect(said(r)).toEqual(['2026-11-02 fire 2026-11-01', '2026-11-05 stale 2026-11-01']);
    expect(isFiring(r.alert)).toBe(false);
  });

  it('follows the rule field, and a gap shorter than it changes nothing', () => {
    expect(run('TT?F?T', { ...NRHR, staleAfterDays: 2 }).alert?.state).toBe('firing');
    expect(moves(run('TT??', { ...NRHR, staleAfterDays: 2 })).slice(-1)).toEqual([
      '2026-11-04 firing>stale data_stopped',
    ]);
  });

  it('lets the rule decide again when data returns: true fires again, false resolves', () => {
    const back = run('TT???T', NRHR);
    expect(moves(back).slice(-1)).toEqual(['2026-11-06 stale>firing data_returned']);
    expect(said(back).slice(-1)).toEqual(['2026-11-06 renotify 2026-11-01']);

    const cleared = run('TT???FFF', NRHR);
    expect(moves(cleared).slice(-1)).toEqual(['2026-11-08 stale>resolved condition_cleared']);
    expect(said(cleared).slice(-1)).toEqual(['2026-11-08 resolve 2026-11-01']);
  });

  it('tells nobody when an alert nobody was told of goes stale', () => {
    const r = run('TT???', NRHR, { inhibited: 'XXXXX' });
    expect(r.alert?.state).toBe('stale');
    expect(said(r)).toEqual([]);
  });
});

describe('inhibition', () => {
  it('fires silently while inhibited and tells staff when the inhibitor stops', () => {
    const r = run('TTTTT', NRHR, { inhibited: 'XXXX-' });
    expect(moves(r)).toEqual([
      '2026-11-01 ->pending condition_began',
      '2026-11-02 pending>inhibited condition_held',
      '2026-11-05 inhibited>firing inhibitor_cleared',
    ]);
    expect(said(r)).toEqual(['2026-11-05 fire 2026-11-01']);
  });

  it('suppresses re-notification while inhibited and resumes the repeat after', () => {
    const timing = { forDays: 1, resolveAfterDays: 2, repeatAfterDays: 2 };
    const r = run('TTTTTT', timing, { inhibited: '-XXXX-' });
    expect(said(r)).toEqual(['2026-11-01 fire 2026-11-01', '2026-11-06 renotify 2026-11-01']);
    expect(moves(r)).toContain('2026-11-02 firing>inhibited inhibitor_firing');
  });

  it('resolves a never-told inhibited alert without a resolve notice', () => {
    const r = run('TTFFF', NRHR, { inhibited: 'XXX--' });
    expect(r.alert).toMatchObject({ state: 'resolved', resolvedOn: D(4) });
    expect(r.notices).toEqual([]);
  });

  it('counts a firing inhibitor as firing until it resolves', () => {
    expect(isFiring(null)).toBe(false);
    expect(isFiring(run('T', NRHR).alert)).toBe(false);
    expect(isFiring(run('TT', NRHR).alert)).toBe(true);
    expect(isFiring(run('TTFFF', NRHR).alert)).toBe(false);
  });
});

describe('staff actions', () => {
  it('stops re-notification once acknowledged, and an acknowledged alert still resolves', () => {
    const timing = { forDays: 2, resolveAfterDays: 3, repeatAfterDays: 1 };
    let r = run('TT', timing);
    r = applyStaff(r, acknowledgeAlert(r.alert as Alert, { ...staff(1), note: 'called patient' }));
    r = run('TTFFF', timing, { start: r, fromDay: 2 });
    expect(moves(r).slice(2)).toEqual([
      '2026-11-02 firing>acknowledged acknowledged',
      '2026-11-07 acknowledged>resolved condition_cleared',
    ]);
    expect(r.transitions[2]).toMatchObject({
      actor: { kind: 'staff', username: 'drsmith' },
      at: '2026-11-02T15:00:00.000Z',
      note: 'called patient',
    });
    expect(said(r)).toEqual(['2026-11-02 fire 2026-11-01', '2026-11-07 resolve 2026-11-01']);
    expect(r.alert?.acknowledgement).toEqual({
      by: 'drsmith',
      at: '2026-11-02T15:00:00.000Z',
      note: 'called patient',
    });
  });

  it('mutes through the snooze date and re-notifies at expiry if still true', () => {
    let r = run('TT', NRHR);
    r = applyStaff(r, snoozeAlert(r.alert as Alert, { ...staff(1), until: D(4) }));
    r = run('TTTTT', NRHR, { start: r, fromDay: 2 });
    expect(moves(r).slice(2)).toEqual([
      '2026-11-02 firing>snoozed snoozed',
      '2026-11-06 snoozed>firing snooze_expired',
    ]);
    expect(r.transitions[2].note).toBe('until 2026-11-05');
    expect(said(r)).toEqual(['2026-11-02 fire 2026-11-01', '2026-11-06 renotify 2026-11-01']);
  });

  it('returns an expired snooze to firing without a notice on a false day', () => {
    let r = run('TT', NRHR);
    r = applyStaff(r, snoozeAlert(r.alert as Alert, { ...staff(1), until: D(2) }));
    r = run('TFFF', NRHR, { start: r, fromDay: 2 });
    expect(moves(r).slice(3)).toEqual([
      '2026-11-04 snoozed>firing snooze_expired',
      '2026-11-06 firing>resolved condition_cleared',
    ]);
    expect(said(r)).toEqual(['2026-11-02 fire 2026-11-01', '2026-11-06 resolve 2026-11-01']);
  });

  it('clears the acknowledgement when a snooze of an acknowledged alert ends', () => {
    let r = run('TT', NRHR);
    r = applyStaff(r, acknowledgeAlert(r.alert as Alert, { ...staff(1), note: null }));
    r = applyStaff(r, snoozeAlert(r.alert as Alert, { ...staff(1), until: D(2) }));
    r = run('TT', NRHR, { start: r, fromDay: 2 });
    expect(r.alert).toMatchObject({ state: 'firing', acknowledgement: null, snoozedUntil: null });
    expect(said(r).slice(1)).toEqual(['2026-11-04 renotify 2026-11-01']);
  });

  it('lets a snoozed pending alert reach forDays silently and fire at expiry', () => {
    const timing = { forDays: 3, resolveAfterDays: 3, repeatAfterDays: 0 };
    let r = run('T', timing);
    r = applyStaff(r, snoozeAlert(r.alert as Alert, { ...staff(0), until: D(3) }));
    r = run('TTTT', timing, { start: r, fromDay: 1 });
    expect(r.alert).toMatchObject({ state: 'firing', firedOn: D(2) });
    expect(moves(r).slice(-1)).toEqual(['2026-11-05 snoozed>firing snooze_expired']);
    expect(said(r)).toEqual(['2026-11-05 fire 2026-11-01']);
  });

  it('returns an expired snooze to inhibited while the inhibitor fires', () => {
    let r = run('TT', NRHR);
    r = applyStaff(r, snoozeAlert(r.alert as Alert, { ...staff(1), until: D(2) }));
    r = run('TT', NRHR, { start: r, fromDay: 2, inhibited: 'XX' });
    expect(r.alert?.state).toBe('inhibited');
    expect(said(r)).toEqual(['2026-11-02 fire 2026-11-01']);
  });

  it('resolves by hand with a resolve notice, and a still-true rule opens a new episode', () => {
    let r = run('TT', NRHR);
    r = applyStaff(r, resolveAlert(r.alert as Alert, staff(1)));
    expect(r.alert).toMatchObject({ state: 'resolved', resolvedOn: D(1) });
    r = run('TT', NRHR, { start: r, fromDay: 2 });
    expect(said(r)).toEqual([
      '2026-11-02 fire 2026-11-01',
      '2026-11-02 resolve 2026-11-01',
      '2026-11-04 fire 2026-11-03',
    ]);
    expect(r.transitions[2]).toMatchObject({
      from: 'firing',
      to: 'resolved',
      cause: 'resolved_by_staff',
    });
  });

  it('refuses actions that make no sense', () => {
    const pending = run('T', NRHR).alert as Alert;
    const firing = run('TT', NRHR).alert as Alert;
    const resolved = run('TTFFF', NRHR).alert as Alert;
    expect(acknowledgeAlert(pending, { ...staff(0), note: null })).toEqual({
      ok: false,
      refusal: 'not_fired_yet',
    });
    expect(acknowledgeAlert(resolved, { ...staff(5), note: null })).toEqual({
      ok: false,
      refusal: 'alert_closed',
    });
    const acked = acknowledgeAlert(firing, { ...staff(1), note: null });
    expect(acked.ok && acknowledgeAlert(acked.alert, { ...staff(1), note: null })).toEqual({
      ok: false,
      refusal: 'already_acknowledged',
    });
    expect(snoozeAlert(firing, { ...staff(3), until: D(2) })).toEqual({
      ok: false,
      refusal: 'snooze_ends_in_the_past',
    });
    // A snooze is a pause, not an end to watching: at most a year (9999-12-31 used to pass).
    expect(snoozeAlert(firing, { ...staff(1), until: D(1 + 365) }).ok).toBe(true);
    for (const until of [D(1 + 366), '9999-12-31'])
      expect(snoozeAlert(firing, { ...staff(1), until })).toEqual({
        ok: false,
        refusal: 'snooze_too_long',
      });
    expect(resolveAlert(resolved, staff(5))).toEqual({ ok: false, refusal: 'alert_closed' });
  });

  it('sends no resolve notice when staff resolve an alert nobody was told about', () => {
    const result = resolveAlert(run('T', NRHR).alert as Alert, staff(0));
    expect(result.ok && result.notices).toEqual([]);
  });
});

describe('alertKey', () => {
  it('identifies an alert by patient, rule and episode start', () => {
    expect(alertKey(17, 'resting-hr-rise', '2026-11-01')).toBe('17:resting-hr-rise:2026-11-01');
  });
});
