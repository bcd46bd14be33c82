import { addDays, daysBetween, type LocalDate } from '../time';
import type { OutcomeResult } from '../rules/rule-definition';
import { stepAlert, type Alert, type AlertState } from '../alerts/lifecycle';
import { replayEpisodes, type DailyOutcome } from '../backtest/replay';
import { QualityAlert, QualityOutcome, QualityTransition, ruleQuality } from './rule-quality';

const FROM = '2026-03-01';
const TO = '2026-03-30';

/** One patient's outcomes from FROM to TO: `t` true, `f` false, `-` insufficient data. */
function days(pid: number, pattern: string): QualityOutcome[] {
  expect(pattern).toHaveLength(daysBetween(FROM, TO) + 1);
  const results: Record<string, OutcomeResult> = {
    t: 'true',
    f: 'false',
    '-': 'insufficient_data',
  };
  return [...pattern].map((c, i) => ({ pid, date: addDays(FROM, i), result: results[c] }));
}

const at = (iso: string) => new Date(iso);

function step(
  localDate: LocalDate,
  to: AlertState,
  cause: string,
  actor = 'evaluation',
  occurredAt = at(`${localDate}T06:00:00Z`),
): QualityTransition {
  return { localDate, to, cause, actor, occurredAt };
}

describe('ruleQuality', () => {
  // Patient 1: no data on the first two days, the condition held 03-10 to 03-15.
  const p1 = days(1, '--fffffffttttttfffffffffffffff');
  const p2 = days(2, '------------------------------');
  const p3 = days(3, 'ffffffffffffffffffffffffffffff');
  // Patient 4: the condition held 03-20 to 03-26, then the data stopped.
  const p4 = days(4, 'fffffffffffffffffffttttttt----');

  /** Patient 1: fired 03-11, acknowledged two hours later, cleared 03-17. */
  const acknowledged: QualityAlert = {
    pid: 1,
    firedOn: '2026-03-11',
    firedAt: at('2026-03-11T08:00:00Z'),
    transitions: [
      step('2026-03-10', 'pending', 'condition_began'),
      step('2026-03-11', 'firing', 'condition_held'),
      step(
        '2026-03-11',
        'acknowledged',
        'acknowledged',
        'staff:drsmith',
        at('2026-03-11T10:00:00Z'),
      ),
      step('2026-03-17', 'resolved', 'condition_cleared'),
    ],
  };
  /** Patient 4: fired while inhibited on 03-21, told on 03-25, stale on 03-29, never acknowledged. */
  const ignored: QualityAlert = {
    pid: 4,
    firedOn: '2026-03-21',
    firedAt: at('2026-03-25T06:00:00Z'),
    transitions: [
      step('2026-03-20', 'pending', 'condition_began'),
      step('2026-03-21', 'inhibited', 'condition_held'),
      step('2026-03-25', 'firing', 'inhibitor_cleared'),
      step('2026-03-29', 'stale', 'data_stopped'),
    ],
  };

  it('counts condition days, alert days and patient-months from the history', () => {
    const quality = ruleQuality({
      from: FROM,
      to: TO,
      acknowledgeWithinHours: 24,
      now: at('2026-04-01T00:00:00Z'),
      outcomes: [...p1, ...p2, ...p3, ...p4],
      alerts: [acknowledged, ignored],
    });
    expect(quality).toEqual({
      from: FROM,
      to: TO,
      acknowledgeWithinHours: 24,
      // Patient 2 never had data to judge; patient 1 counts from 03-03, patient 4 from day one.
      patients: 3,
      patientMonths: 2.93, // (28 + 30 + 30) days / 30
      // Patient 1: 03-11 to 03-16 (acknowledged still counts); patient 4: 03-25 and 03-26
      // (inhibited before, no data after).
      alertDays: 8,
      alertDaysPerPatientMonth: 2.73,
      conditionDays: 13,
      conditionDaysPerPatientMonth: 4.43,
      alertsTold: 2,
      alertsDue: 2,
      acknowledgedInTime: 1,
      shareAcknowledgedInTime: 0.5,
      medianHoursToAcknowledge: 2,
      resolvedWithoutStaffAction: 0,
      shareResolvedWithoutStaffAction: 0,
      wentStale: 1,
      shareWentStale: 0.5,
    });
  });

  it('counts an alert that cleared before anyone acted as resolved without staff action', () => {
    const unattended: QualityAlert = {
      pid: 3,
      firedOn: '2026-03-05',
      firedAt: at('2026-03-05T06:00:00Z'),
      transitions: [
        step('2026-03-04', 'pending', 'condition_began'),
        step('2026-03-05', 'firing', 'condition_held'),
        step('2026-03-08', 'resolved', 'condition_cleared'),
      ],
    };
    /** Snoozed after 30 hours (late), then cleared: staff acted, so not "without staff". */
    const snoozed: QualityAlert = {
      pid: 1,
      firedOn: '2026-03-11',
      firedAt: at('2026-03-11T06:00:00Z'),
      transitions: [
        step('2026-03-11', 'firing', 'condition_held'),
        step('2026-03-12', 'snoozed', 'snoozed', 'staff:nurse', at('2026-03-12T12:00:00Z')),
        step('2026-03-17', 'resolved', 'condition_cleared'),
      ],
    };
    const quality = ruleQuality({
      from: FROM,
      to: TO,
      acknowledgeWithinHours: 24,
      now: at('2026-04-01T00:00:00Z'),
      outcomes: [],
      alerts: [unattended, snoozed],
    });
    expect(quality).toMatchObject({
      alertsTold: 2,
      alertsDue: 2,
      acknowledgedInTime: 0,
      shareAcknowledgedInTime: 0,
      medianHoursToAcknowledge: 30,
      resolvedWithoutStaffAction: 1,
      shareResolvedWithoutStaffAction: 0.5,
      wentStale: 0,
      // No outcomes kept: no rates rather than a rate of zero.
      patientMonths: 0,
      alertDaysPerPatientMonth: null,
      conditionDaysPerPatientMonth: null,
    });
  });

  it('leaves out alerts fired outside the period, and those whose time to acknowledge is still running', () => {
    const before: QualityAlert = {
      pid: 1,
      firedOn: '2026-02-27',
      firedAt: at('2026-02-27T06:00:00Z'),
      transitions: [step('2026-02-27', 'firing', 'condition_held')],
    };
    const justTold: QualityAlert = {
      pid: 3,
      firedOn: '2026-03-30',
      firedAt: at('2026-03-30T06:00:00Z'),
      transitions: [step('2026-03-30', 'firing', 'condition_held')],
    };
    const neverTold: QualityAlert = {
      pid: 4,
      firedOn: '2026-03-21',
      firedAt: null,
      transitions: [step('2026-03-21', 'inhibited', 'condition_held')],
    };
    const quality = ruleQuality({
      from: FROM,
      to: TO,
      acknowledgeWithinHours: 4,
      now: at('2026-03-30T08:00:00Z'),
      outcomes: [...p1, ...p3, ...p4],
      alerts: [before, justTold, neverTold],
    });
    expect(quality).toMatchObject({
      alertsTold: 1,
      alertsDue: 0,
      shareAcknowledgedInTime: null,
      medianHoursToAcknowledge: null,
      shareWentStale: 0,
      // The alert fired before the period still stands raised on patient 1's judged days in it
      // (03-03 on); the one fired on the last day adds that day.
      alertDays: 28 + 1,
    });
  });

  it('gives the median of an even number of waits as the mean of the middle two', () => {
    const told = (pid: number, hours: number): QualityAlert => ({
      pid,
      firedOn: '2026-03-10',
      firedAt: at('2026-03-10T00:00:00Z'),
      transitions: [
        step('2026-03-10', 'firing', 'condition_held'),
        step(
          '2026-03-10',
          'acknowledged',
          'acknowledged',
          'staff:x',
          at(new Date(Date.parse('2026-03-10T00:00:00Z') + hours * 3.6e6).toISOString()),
        ),
      ],
    });
    const quality = ruleQuality({
      from: FROM,
      to: TO,
      acknowledgeWithinHours: 24,
      now: at('2026-04-01T00:00:00Z'),
      outcomes: [],
      alerts: [told(1, 1), told(2, 3), told(3, 5), told(4, 100)],
    });
    expect(quality).toMatchObject({
      medianHoursToAcknowledge: 4,
      acknowledgedInTime: 3,
      shareAcknowledgedInTime: 0.75,
    });
  });
});

describe('ruleQuality against the backtest', () => {
  it('counts the alert days the backtest counts, when the live state machine wrote the history', () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const timing = { forDays: 2, resolveAfterDays: 2, repeatAfterDays: 0, staleAfterDays: 2 };
    for (let run = 0; run < 50; run++) {
      const series: DailyOutcome[] = Array.from({ length: 30 }, (_, i) => {
        const r = random();
        return {
          date: addDays(FROM, i),
          outcome: r < 0.45 ? 'true' : r < 0.8 ? 'false' : 'insufficient_data',
          inhibited: random() < 0.1,
        };
      });
      const alerts = new Map<LocalDate, QualityAlert & { transitions: QualityTransition[] }>();
      let alert: Alert | null = null;
      for (const day of series) {
        const stepped = stepAlert(alert, { ...day, inhibited: day.inhibited ?? false }, timing);
        alert = stepped.alert;
        if (alert === null) continue;
        const row = alerts.get(alert.episodeStart) ?? {
          pid: 1,
          firedOn: null,
          firedAt: null,
          transitions: [],
        };
        row.firedOn = alert.firedOn;
        row.transitions.push(
          ...stepped.transitions.map((t) => step(t.date, t.to, t.cause, 'evaluation')),
        );
        alerts.set(alert.episodeStart, row);
      }
      const quality = ruleQuality({
        from: FROM,
        to: TO,
        acknowledgeWithinHours: 24,
        now: at('2026-04-01T00:00:00Z'),
        outcomes: series.map((d) => ({ pid: 1, date: d.date, result: d.outcome })),
        alerts: [...alerts.values()],
      });
      const backtest = replayEpisodes(series, timing).reduce((sum, e) => sum + e.alertDays, 0);
      expect(quality.alertDays).toBe(backtest);
    }
  });
});
