import type { OutcomeResult } from '../rules/rule-definition';
import { stepAlert, type Alert, type AlertTiming } from '../alerts/lifecycle';
import type { LocalDate } from '../time';

/** One day of a rule's history for one patient, as the backtest computes it. */
export interface DailyOutcome<V = unknown> {
  date: LocalDate;
  outcome: OutcomeResult;
  /** An inhibiting rule was firing that day (default false). */
  inhibited?: boolean;
  /** The fact values that decided the day, kept for `peak`. */
  values?: V;
}

/** A would-be alert: an episode that reached `forDays`. */
export interface Episode<V = unknown> {
  start: LocalDate;
  firedOn: LocalDate;
  /** First day staff would have been told; null when inhibited throughout. */
  notifiedOn: LocalDate | null;
  /** Day it resolved; null when still open at the end of the series. */
  end: LocalDate | null;
  /**
   * Alert days: days the alert was firing with data (not pending, inhibited or
   * stale, and the rule had data to decide that day).
   */
  alertDays: number;
  /** The most extreme `values` of the episode's true days, when `isMoreExtreme` is given. */
  peak?: V;
}

export interface ReplayOptions<V> {
  /** True when `candidate` is further from normal than `current` (e.g. a larger delta). */
  isMoreExtreme?: (candidate: V, current: V) => boolean;
}

/**
 * Replays a series through the live state machine, one day at a time, with no
 * staff actions. Days are taken in date order; a repeated date counts once.
 */
export function replayEpisodes<V>(
  outcomes: readonly DailyOutcome<V>[],
  timing: AlertTiming,
  options: ReplayOptions<V> = {},
): Episode<V>[] {
  const days = [...outcomes]
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
    .filter((day, i, sorted) => i === 0 || sorted[i - 1].date !== day.date);
  const episodes = new Map<
    LocalDate,
    { alert: Alert; notifiedOn: LocalDate | null; alertDays: number; peak?: V }
  >();
  let alert: Alert | null = null;
  for (const day of days) {
    alert = stepAlert(
      alert,
      { date: day.date, outcome: day.outcome, inhibited: day.inhibited ?? false },
      timing,
    ).alert;
    if (alert === null || alert.lastEvaluatedOn !== day.date) {
      continue;
    }
    const episode = episodes.get(alert.episodeStart) ?? { alert, notifiedOn: null, alertDays: 0 };
    episode.alert = alert;
    episode.notifiedOn ??= alert.lastNotifiedOn;
    if (alert.state === 'firing' && day.outcome !== 'insufficient_data') episode.alertDays += 1;
    if (day.outcome === 'true' && day.values !== undefined && options.isMoreExtreme) {
      if (episode.peak === undefined || options.isMoreExtreme(day.values, episode.peak)) {
        episode.peak = day.values;
      }
    }
    episodes.set(alert.episodeStart, episode);
  }
  return [...episodes.values()].flatMap(({ alert: last, notifiedOn, alertDays, peak }) =>
    last.firedOn === null
      ? []
      : [
          {
            start: last.episodeStart,
            firedOn: last.firedOn,
            notifiedOn,
            end: last.resolvedOn,
            alertDays,
            ...(peak === undefined ? {} : { peak }),
          },
        ],
  );
}
