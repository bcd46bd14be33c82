import { stepAlert, type Alert, type AlertTiming } from './lifecycle';
import { addDays } from '../time';
import { resumeMonitoring, stopMonitoring } from './monitoring-stopped';
import { stepPatientDay } from './patient-day';
import { acknowledgeAlert } from './staff-actions';

const D = (n: number): string => addDays('2026-11-01', n);
const at = (n: number): string => `${D(n)}T10:00:00.000Z`;
const GAP = {
  id: 'monitoring-gap',
  forDays: 1,
  resolveAfterDays: 1,
  repeatAfterDays: 3,
  inhibitedBy: [],
};
const RHR = { ...GAP, id: 'resting-hr-rise', forDays: 2, inhibitedBy: ['monitoring-gap'] };
const timing: AlertTiming = GAP;

const moves = (step: ReturnType<typeof stopMonitoring>): string[] =>
  step.transitions.map((t) => `${t.date} ${t.from ?? '-'}>${t.to} ${t.cause}`);

describe('stopMonitoring', () => {
  it('opens a firing gap episode at once and tells staff', () => {
    const step = stopMonitoring(null, { date: D(3), at: at(3), reason: 'needs_reconsent' });
    expect(step.alert).toMatchObject({
      state: 'firing',
      episodeStart: D(3),
      firedOn: D(3),
      lastNotifiedOn: D(3),
      lastEvaluatedOn: D(3),
      monitoringStopped: 'needs_reconsent',
    });
    expect(moves(step)).toEqual([`${D(3)} ->firing monitoring_stopped`]);
    expect(step.transitions[0].at).toBe(at(3));
    expect(step.notices).toEqual([{ kind: 'fire', episodeStart: D(3), date: D(3) }]);
  });

  it('takes over a gap staff already know of without telling them again', () => {
    const firing = stepAlert(null, { date: D(1), outcome: 'true', inhibited: false }, timing).alert;
    const step = stopMonitoring(firing, {
      date: D(2),
      at: at(2),
      reason: 'disconnected_by_patient',
    });
    expect(step.alert).toMatchObject({
      state: 'firing',
      episodeStart: D(1),
      monitoringStopped: 'disconnected_by_patient',
    });
    expect(step.notices).toEqual([]);
    expect(step.transitions).toEqual([]);
  });

  it('fires a pending gap episode, and leaves an acknowledged one acknowledged', () => {
    const pending = stepAlert(
      null,
      { date: D(1), outcome: 'true', inhibited: false },
      { ...timing, forDays: 3 },
    ).alert;
    const fired = stopMonitoring(pending, { date: D(2), at: at(2), reason: 'needs_reconsent' });
    expect(moves(fired)).toEqual([`${D(2)} pending>firing monitoring_stopped`]);
    expect(fired.notices.map((n) => n.kind)).toEqual(['fire']);

    const taken = acknowledgeAlert(fired.alert!, {
      by: 'drsmith',
      at: at(2),
      date: D(2),
      note: null,
    });
    if (!taken.ok) throw new Error(taken.refusal);
    const again = stopMonitoring(taken.alert, { date: D(4), at: at(4), reason: 'needs_reconsent' });
    expect(again.alert?.state).toBe('acknowledged');
    expect(again.notices).toEqual([]);
  });

  it('reopens the same day’s resolved episode rather than a second one with the same key', () => {
    const stopped = stopMonitoring(null, { date: D(3), at: at(3), reason: 'needs_reconsent' });
    const resumed = resumeMonitoring(stopped.alert, { date: D(3), at: at(3) });
    const again = stopMonitoring(resumed.alert, {
      date: D(3),
      at: at(3),
      reason: 'needs_reconsent',
    });
    expect(again.alert).toMatchObject({ state: 'firing', episodeStart: D(3), resolvedOn: null });
    expect(moves(again)).toEqual([`${D(3)} resolved>firing monitoring_stopped`]);
    expect(again.notices.map((n) => n.kind)).toEqual(['fire']);
  });
});

describe('resumeMonitoring', () => {
  it('resolves the episode the connection held, with the follow-up, and leaves others alone', () => {
    const stopped = stopMonitoring(null, { date: D(3), at: at(3), reason: 'needs_reconsent' });
    const resumed = resumeMonitoring(stopped.alert, { date: D(6), at: at(6) });
    expect(resumed.alert).toMatchObject({
      state: 'resolved',
      resolvedOn: D(6),
      monitoringStopped: null,
      lastEvaluatedOn: D(6),
    });
    expect(moves(resumed)).toEqual([`${D(6)} firing>resolved monitoring_resumed`]);
    expect(resumed.notices).toEqual([{ kind: 'resolve', episodeStart: D(3), date: D(6) }]);

    const byData = stepAlert(null, { date: D(1), outcome: 'true', inhibited: false }, timing).alert;
    expect(resumeMonitoring(byData, { date: D(2), at: at(2) })).toEqual({
      alert: byData,
      transitions: [],
      notices: [],
    });
    expect(resumeMonitoring(null, { date: D(2), at: at(2) }).alert).toBeNull();
  });
});

describe('a stopped connection in the daily evaluation', () => {
  it('keeps the gap open on days its data call false, and physiology alerts inhibited', () => {
    let gap: Alert | null = stopMonitoring(null, {
      date: D(3),
      at: at(3),
      reason: 'needs_reconsent',
    }).alert;
    let rhr: Alert | null = null;
    const said: string[] = [];
    for (const n of [4, 5, 6, 7]) {
      const steps = stepPatientDay(D(n), [
        { rule: GAP, outcome: 'false', alert: gap },
        { rule: RHR, outcome: 'true', alert: rhr },
      ]);
      gap = steps.get('monitoring-gap')!.alert;
      rhr = steps.get('resting-hr-rise')!.alert;
      said.push(...[...steps.values()].flatMap((s) => s.notices.map((x) => `${x.date} ${x.kind}`)));
    }
    expect(gap).toMatchObject({ state: 'firing', episodeStart: D(3) });
    expect(rhr?.state).toBe('inhibited');
    // Only the gap's reminder after repeatAfterDays (3) is heard.
    expect(said).toEqual([`${D(6)} renotify`]);
  });
});
