import fc from 'fast-check';
import type { OutcomeResult } from '../rules/rule-definition';
import { isOpen, stepAlert, type Alert, type AlertNotice, type AlertTiming } from './lifecycle';
import { addDays } from '../time';
import { netNotices } from './run-notices';
import { acknowledgeAlert, snoozeAlert } from './staff-actions';

const D = (n: number): string => addDays('2026-11-01', n);

interface Day {
  outcome: OutcomeResult;
  inhibited: boolean;
}

/** Steps days from `from`, collecting every day's notices. */
function step(
  alert: Alert | null,
  days: readonly Day[],
  from: number,
  timing: AlertTiming,
): { alert: Alert | null; notices: AlertNotice[] } {
  const notices: AlertNotice[] = [];
  days.forEach((day, i) => {
    const s = stepAlert(alert, { date: D(from + i), ...day }, timing);
    alert = s.alert;
    notices.push(...s.notices);
  });
  return { alert, notices };
}

/**
 * The specification, from states only: what staff must hear when they knew
 * `before` and the run ended at `after`.
 */
function noticesBetween(before: Alert | null, after: Alert | null): string[] {
  const told = isOpen(before) && before.lastNotifiedOn !== null ? before : null;
  const said: string[] = [];
  if (told !== null && (after?.episodeStart !== told.episodeStart || after.state === 'resolved')) {
    said.push(`resolve ${told.episodeStart}`);
  }
  if (isOpen(after) && after.lastNotifiedOn !== null) {
    const same = told !== null && told.episodeStart === after.episodeStart;
    if (after.state === 'stale') {
      // Only an alert staff knew as live is worth a word when it goes stale.
      if (same && told.state !== 'stale') said.push(`stale ${after.episodeStart}`);
    } else if (!same) {
      said.push(`fire ${after.episodeStart}`);
    } else if (after.lastNotifiedOn !== told.lastNotifiedOn) {
      said.push(`renotify ${after.episodeStart}`);
    }
  }
  return said;
}

const brief = (notices: readonly AlertNotice[]): string[] =>
  notices.map((n) => `${n.kind} ${n.episodeStart}`);

const day = fc.record({
  outcome: fc.constantFrom<OutcomeResult>('true', 'true', 'false', 'insufficient_data'),
  inhibited: fc.boolean(),
});

const timing = fc.record({
  forDays: fc.integer({ min: 1, max: 3 }),
  resolveAfterDays: fc.integer({ min: 1, max: 3 }),
  repeatAfterDays: fc.integer({ min: 0, max: 3 }),
});

describe('netNotices', () => {
  it('gives the notices of the end state against the state before the run', () => {
    fc.assert(
      fc.property(
        timing,
        fc.array(day, { maxLength: 12 }),
        fc.array(day, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('none', 'acknowledge', 'snooze'),
        (t, history, run, staff) => {
          let before = step(null, history, 0, t).alert;
          const today = history.length;
          const who = { by: 'drsmith', at: `${D(today)}T08:00:00.000Z`, date: D(today) };
          if (before !== null && staff === 'acknowledge') {
            const acted = acknowledgeAlert(before, { ...who, note: null });
            if (acted.ok) before = acted.alert;
          } else if (before !== null && staff === 'snooze') {
            const acted = snoozeAlert(before, { ...who, until: D(today + 2) });
            if (acted.ok) before = acted.alert;
          }
          const after = step(before, run, today, t);
          const net = netNotices(before, after.notices, after.alert);
          expect(brief(net)).toEqual(noticesBetween(before, after.alert));
          // Never a fire and a resolve of the same episode in one run.
          const kinds = new Map<string, string[]>();
          for (const n of net)
            kinds.set(n.episodeStart, [...(kinds.get(n.episodeStart) ?? []), n.kind]);
          for (const list of kinds.values()) expect(list).toHaveLength(1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('drops a fire and its resolve within the run, and keeps a resolve staff were told of', () => {
    const t: AlertTiming = { forDays: 1, resolveAfterDays: 1, repeatAfterDays: 0 };
    const T: Day = { outcome: 'true', inhibited: false };
    const F: Day = { outcome: 'false', inhibited: false };
    const unseen = step(null, [T, F], 0, t);
    expect(brief(unseen.notices)).toEqual([`fire ${D(0)}`, `resolve ${D(0)}`]);
    expect(netNotices(null, unseen.notices, unseen.alert)).toEqual([]);

    const told = step(null, [T], 0, t).alert;
    const ended = step(told, [T, F, T, T], 1, t);
    expect(netNotices(told, ended.notices, ended.alert)).toEqual([
      { kind: 'resolve', episodeStart: D(0), date: D(2) },
      { kind: 'fire', episodeStart: D(3), date: D(3) },
    ]);
  });

  it('announces a newly firing episode once, even when it was due again within the run', () => {
    const t: AlertTiming = { forDays: 1, resolveAfterDays: 1, repeatAfterDays: 2 };
    const T: Day = { outcome: 'true', inhibited: false };
    const run = step(null, [T, T, T, T, T], 0, t);
    expect(brief(run.notices)).toEqual([`fire ${D(0)}`, `renotify ${D(0)}`, `renotify ${D(0)}`]);
    expect(netNotices(null, run.notices, run.alert)).toEqual([
      { kind: 'fire', episodeStart: D(0), date: D(4) },
    ]);
  });
});
