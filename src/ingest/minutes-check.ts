import { createHash } from 'node:crypto';
import { DailyAggregate, MetricName } from '../aggregates/daily-aggregate';
import type { SyncedDay } from '../aggregates/daily-aggregates.repository';
import { addDays, startOfLocalDay } from '../time';
import { ROLLED_UP_TYPES, RolledUpType, RollUpWindow } from '../wearables/google-health/roll-ups';
import type { MinutesCheck } from './sync-plan';

/**
 * The day's re-read reads heart rate's and steps' minutes only from the first
 * day that changed. A day's columns computed from those minutes depend on its
 * own minutes and the evening before's (the first night's context; still
 * minutes look back ten minutes, never ahead), and on nothing later. So a day
 * whose minutes and whose evening before are as they were when it was last
 * computed keeps those columns, and the days from the first changed one on
 * are read as a contiguous range through today.
 *
 * "As they were" is told by a `dataPoints:rollUp` of each type in quarter
 * hours over the checked days (sync-plan.ts `MinutesCheck`): a day's
 * fingerprint is a hash of its quarter hours' figures, stored with the day
 * when its minutes were read whole and fetched before they were: data that
 * arrives in between makes the next check differ (one more re-read), never
 * a stale day. Quarter hours, not the civil days of `dailyRollUp`: those are
 * the watch's days, in the offset it recorded, while minutes are filed into
 * the enrollment zone's days; abroad, late data near midnight would change
 * the neighbouring civil day instead. Every zone's midnight is on a quarter
 * hour, so a day's quarter hours are exactly its physical span. (Fingerprints
 * stored as daily roll-up text match no hash: one more re-read each, once.)
 *
 * Columns that also read a type other than heart rate and steps
 * (METRIC_SOURCES) are whole only if what they read of it did not change
 * either: each names stored columns that show it ({@link WITNESSES}), which
 * the types read anyway (sleep is listed for every re-read day) recompute. The
 * resting estimate reads only the main sleep's start and end, which are the
 * `sleepStart` and `sleepEnd` columns (to the second, with their offset). A
 * column over another dense type (active minutes) turns the check off.
 */

/** The types a day's fingerprint covers. */
export const FINGERPRINTED: readonly RolledUpType[] = ROLLED_UP_TYPES;

/**
 * What a column computed from heart rate or steps reads of its other types,
 * as stored columns computed from those types alone.
 */
export const WITNESSES: Partial<Record<MetricName, readonly MetricName[]>> = {
  restingHrEstimate: ['sleepStart', 'sleepEnd'],
};

/**
 * The fingerprint of each local day of the check: a SHA-256 (hex) of every
 * checked type's quarter-hour figures in the day, in order. A window that
 * straddled a midnight (none does: midnights are on quarter hours) would count
 * in both days.
 */
export function fingerprints(
  check: MinutesCheck,
  byType: ReadonlyMap<RolledUpType, readonly RollUpWindow[]>,
  timeZone: string,
): Map<string, string> {
  const out = new Map<string, string>();
  const next = new Map<RolledUpType, number>();
  let dayStart = startOfLocalDay(check.from, timeZone).getTime();
  for (let date = check.from; date <= check.through; date = addDays(date, 1)) {
    const dayEnd = startOfLocalDay(addDays(date, 1), timeZone).getTime();
    const hash = createHash('sha256');
    for (const dataType of check.dataTypes) {
      const windows = byType.get(dataType) ?? [];
      let i = next.get(dataType) ?? 0;
      while (i < windows.length && windows[i].endTime <= dayStart) i++;
      next.set(dataType, i);
      // One update a type and day: an update per quarter hour cost more than the hashing.
      let text = `${dataType}:`;
      for (; i < windows.length && windows[i].startTime < dayEnd; i++)
        text += `${windows[i].figures ?? '?'},`;
      hash.update(`${text};`);
    }
    out.set(date, hash.digest('hex'));
    dayStart = dayEnd;
  }
  return out;
}

/**
 * The first day whose minutes must be read: `from` when the evening before
 * changed, else the first day from `from` whose fingerprint is missing or
 * differs, or whose witnesses (recomputed in `fresh` from the types read
 * anyway) differ from the stored ones; the day after
 * the check's last when none does.
 */
export function minutesFrom(
  check: MinutesCheck,
  from: string,
  fetched: ReadonlyMap<string, string>,
  stored: ReadonlyMap<string, SyncedDay>,
  fresh: ReadonlyMap<string, DailyAggregate>,
): string {
  const unchanged = (date: string): boolean => {
    const fingerprint = stored.get(date)?.minutesFingerprint ?? null;
    return fingerprint !== null && fingerprint === fetched.get(date);
  };
  if (!unchanged(addDays(from, -1))) return from;
  for (let date = from; date <= check.through; date = addDays(date, 1)) {
    if (!unchanged(date)) return date;
    if (witnessesDiffer(stored.get(date), fresh.get(date))) return date;
  }
  return addDays(check.through, 1);
}

const WITNESS_COLUMNS: readonly MetricName[] = [...new Set(Object.values(WITNESSES).flat())];

function witnessesDiffer(
  stored: SyncedDay | undefined,
  fresh: DailyAggregate | undefined,
): boolean {
  if (stored === undefined || fresh === undefined) return true;
  return WITNESS_COLUMNS.some((column) => stored[column] !== fresh[column]);
}
