import type { Alert, AlertTiming } from './lifecycle';
import { holdsBack, stepPatientDay, type PatientRuleDay } from './patient-day';

const timing: AlertTiming = { forDays: 1, resolveAfterDays: 2, repeatAfterDays: 1 };
const firingSince = (date: string): Alert => ({
  state: 'firing',
  episodeStart: date,
  firedOn: date,
  lastNotifiedOn: date,
  resolvedOn: null,
  trueStreak: 1,
  falseStreak: 0,
  lastEvaluatedOn: date,
  snoozedUntil: null,
  acknowledgement: null,
});

const rhr = (alert: Alert | null): PatientRuleDay => ({
  rule: { id: 'resting-hr-rise', inhibitedBy: ['monitoring-gap'], ...timing },
  outcome: 'true',
  alert,
});
const gap = (alert: Alert | null): PatientRuleDay => ({
  rule: { id: 'monitoring-gap', inhibitedBy: [], ...timing },
  outcome: 'true',
  alert,
});

describe('stepPatientDay', () => {
  it("steps the inhibitor first, so a gap firing today silences today's renotification", () => {
    const steps = stepPatientDay('2026-11-03', [rhr(firingSince('2026-11-02')), gap(null)]);
    expect(steps.get('monitoring-gap')?.notices).toEqual([
      { kind: 'fire', episodeStart: '2026-11-03', date: '2026-11-03' },
    ]);
    expect(steps.get('resting-hr-rise')?.notices).toEqual([]);
    expect(steps.get('resting-hr-rise')?.alert?.state).toBe('inhibited');
  });

  it('re-notifies as usual when no inhibitor fires, and passes the instant on', () => {
    const steps = stepPatientDay(
      '2026-11-03',
      [rhr(firingSince('2026-11-02')), { ...gap(null), outcome: 'false' }],
      '2026-11-03T22:00:00.000Z',
    );
    expect(steps.get('resting-hr-rise')?.notices).toEqual([
      { kind: 'renotify', episodeStart: '2026-11-02', date: '2026-11-03' },
    ]);
    expect(steps.get('monitoring-gap')?.alert).toBeNull();
  });

  it('ignores an inhibitor the patient is not evaluated for', () => {
    const steps = stepPatientDay('2026-11-03', [rhr(null)]);
    expect(steps.get('resting-hr-rise')?.alert?.state).toBe('firing');
  });

  it('terminates on an inhibitedBy cycle, taking rules in the given order', () => {
    const a: PatientRuleDay = {
      rule: { id: 'a', inhibitedBy: ['b'], ...timing },
      outcome: 'true',
      alert: null,
    };
    const b: PatientRuleDay = {
      rule: { id: 'b', inhibitedBy: ['a'], ...timing },
      outcome: 'true',
      alert: null,
    };
    const steps = stepPatientDay('2026-11-03', [a, b]);
    expect(steps.get('a')?.alert?.state).toBe('firing');
    expect(steps.get('b')?.alert?.state).toBe('inhibited');
  });

  describe('a gap in one stream', () => {
    /** The monitoring gap's outcome when only the step stream stopped. */
    const stepsStopped = {
      'streamInGap.heartRate': 0,
      'streamInGap.steps': 1,
      'streamInGap.sleep': 0,
      'streamInGap.weight': 0,
    };
    const activity = (alert: Alert | null): PatientRuleDay => ({
      rule: { id: 'activity-drop', inhibitedBy: ['monitoring-gap'], ...timing },
      outcome: 'true',
      alert,
      streams: ['steps'],
    });
    const day = (streamsInGap: Record<string, number>) =>
      stepPatientDay('2026-11-03', [
        { ...rhr(firingSince('2026-11-02')), streams: ['heartRate'] },
        activity(firingSince('2026-11-02')),
        { ...gap(null), facts: streamsInGap },
      ]);

    it('holds back only the rules reading that stream: resting HR is still judged', () => {
      const steps = day(stepsStopped);
      expect(steps.get('monitoring-gap')?.alert?.state).toBe('firing');
      expect(steps.get('activity-drop')?.alert?.state).toBe('inhibited');
      expect(steps.get('resting-hr-rise')?.alert?.state).toBe('firing');
      expect(steps.get('resting-hr-rise')?.notices).toEqual([
        { kind: 'renotify', episodeStart: '2026-11-02', date: '2026-11-03' },
      ]);
    });

    it('holds back every rule when no stream arrives', () => {
      const steps = day({
        'streamInGap.heartRate': 1,
        'streamInGap.steps': 1,
        'streamInGap.sleep': 1,
        'streamInGap.weight': 1,
      });
      expect(steps.get('activity-drop')?.alert?.state).toBe('inhibited');
      expect(steps.get('resting-hr-rise')?.alert?.state).toBe('inhibited');
    });

    it('holds back every rule when the gap names no streams, or the rule reads none', () => {
      const firing = firingSince('2026-11-02');
      expect(holdsBack({ alert: firing }, ['heartRate'])).toBe(true);
      expect(holdsBack({ alert: firing, facts: { daysWorn: 0 } }, ['heartRate'])).toBe(true);
      expect(holdsBack({ alert: firing, facts: stepsStopped }, [])).toBe(true);
      expect(holdsBack({ alert: firing, facts: stepsStopped }, undefined)).toBe(true);
      expect(holdsBack({ alert: firing, facts: stepsStopped }, ['heartRate'])).toBe(false);
      expect(holdsBack({ alert: null, facts: stepsStopped }, ['steps'])).toBe(false);
    });

    it('holds back every rule while the connection is stopped, whatever the streams say', () => {
      const stopped: Alert = { ...firingSince('2026-11-02'), monitoringStopped: 'needs_reconsent' };
      expect(holdsBack({ alert: stopped, facts: stepsStopped }, ['heartRate'])).toBe(true);
    });
  });
});
