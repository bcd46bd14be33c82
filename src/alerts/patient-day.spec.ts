import type { Alert, AlertTiming } from './lifecycle';
import { stepPatientDay, type PatientRuleDay } from './patient-day';

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
});
