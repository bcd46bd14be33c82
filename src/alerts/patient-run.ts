import type { OutcomeResult } from '../rules/rule-definition';
import type { Alert, AlertNotice, AlertTransition } from './lifecycle';
import type { LocalDate } from '../time';
import { stepPatientDay, type PatientRuleDay } from './patient-day';
import { netNotices } from './run-notices';

/** One day of a patient's evaluation run: each rule's outcome that day. */
export interface RunDay {
  date: LocalDate;
  rules: readonly (Pick<PatientRuleDay, 'rule' | 'facts' | 'streams'> & {
    outcome: OutcomeResult;
  })[];
}

/** One episode a run touched, as it stands at the end of the run. */
export interface RunEpisode {
  alert: Alert;
  /** Every state change of the episode in the run, in order. */
  transitions: AlertTransition[];
  /** The run's days this episode was stepped on, in order. */
  dates: LocalDate[];
}

/** What a run did to one rule of the patient. */
export interface RuleRun {
  /** The rule's latest alert before the run. */
  before: Alert | null;
  /** The episodes the run changed, oldest first. */
  episodes: RunEpisode[];
  /** The net notices of the run (see `netNotices`). */
  notices: AlertNotice[];
}

/**
 * Steps a patient's days in date order as one run, day by day through the
 * same machine as a single day (inhibitors first within each day), and nets
 * the notices so staff hear once about where the run ended.
 */
export function stepPatientRun(
  days: readonly RunDay[],
  alerts: ReadonlyMap<string, Alert | null>,
  at?: string,
): Map<string, RuleRun> {
  const current = new Map(alerts);
  const runs = new Map<string, RuleRun & { said: AlertNotice[] }>();
  const ordered = [...days].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  for (const day of ordered) {
    const steps = stepPatientDay(
      day.date,
      day.rules.map((ruleDay) => ({ ...ruleDay, alert: current.get(ruleDay.rule.id) ?? null })),
      at,
    );
    for (const [ruleId, step] of steps) {
      let run = runs.get(ruleId);
      if (run === undefined) {
        run = { before: current.get(ruleId) ?? null, episodes: [], notices: [], said: [] };
        runs.set(ruleId, run);
      }
      const prior = current.get(ruleId) ?? null;
      current.set(ruleId, step.alert);
      run.said.push(...step.notices);
      const alert = step.alert;
      // The machine hands back the very same alert for a day it did not apply.
      if (alert === null || alert === prior) continue;
      const last = run.episodes.at(-1);
      if (last !== undefined && last.alert.episodeStart === alert.episodeStart) {
        last.alert = alert;
        last.transitions.push(...step.transitions);
        last.dates.push(day.date);
      } else {
        run.episodes.push({ alert, transitions: [...step.transitions], dates: [day.date] });
      }
    }
  }
  return new Map(
    [...runs].map(([ruleId, { said, ...run }]) => [
      ruleId,
      {
        ...run,
        notices: unlessInhibited(run, netNotices(run.before, said, current.get(ruleId) ?? null)),
      },
    ]),
  );
}

/**
 * An episode that ends the run inhibited (it fired, then e.g. the monitoring
 * gap did) is not announced: staff must not act on it. Its notice date goes
 * back to what staff had heard before the run, so the episode is announced
 * when the inhibitor clears, as if the run had never told them.
 */
function unlessInhibited(run: RuleRun, notices: AlertNotice[]): AlertNotice[] {
  return notices.filter((notice) => {
    if (notice.kind === 'resolve') return true;
    const episode = run.episodes.find((e) => e.alert.episodeStart === notice.episodeStart);
    if (episode?.alert.state !== 'inhibited') return true;
    const before = run.before?.episodeStart === notice.episodeStart ? run.before : null;
    episode.alert = { ...episode.alert, lastNotifiedOn: before?.lastNotifiedOn ?? null };
    return false;
  });
}
