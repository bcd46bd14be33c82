import { MINUTE_MS } from '../time';
import { SleepSession } from '../wearables/google-health/points';

/**
 * Vigil's own resting heart rate, computed the same way for every patient and
 * every day so that a rise is the patient's and not the provider's algorithm.
 */

/** Steps in the minute itself or the 10 before it disqualify a minute: heart rate lags exertion. */
const STILL_WINDOW_MINUTES = 10;
/** Fewer still minutes than this is too little to call a resting rate. */
const MIN_RESTING_MINUTES = 30;
/** Hours used on a day without a usable main sleep. */
const QUIETEST_HOURS = 3;

/** Heart rate of one physical minute; `day` is the local day of its first sample. */
export interface HeartRateMinute {
  sum: number;
  count: number;
  day: number;
}

/** Still minutes of one physical (UTC-aligned) hour of a local day. */
export interface StillHour {
  steps: number;
  minutes: number;
  heartRateSum: number;
}

/**
 * Epoch minutes with at least one step, sorted: whether one lies in the
 * 11 minutes before a given one is a binary search, where a set took eleven
 * lookups for every worn minute of every day a sync rewrites.
 */
export class MovingMinutes {
  private readonly sorted: Float64Array;

  /** `minutes` in any order, repeats allowed. */
  constructor(minutes: readonly number[]) {
    this.sorted = Float64Array.from(minutes).sort();
  }

  /** Whether a moving minute lies in [from, to]. */
  anyBetween(from: number, to: number): boolean {
    const sorted = this.sorted;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle] < from) low = middle + 1;
      else high = middle;
    }
    return low < sorted.length && sorted[low] <= to;
  }
}

/**
 * Epoch minutes with at least one step are moving; a minute without steps is
 * still only on a day whose steps are known (see steps-plausibility.ts), which
 * the caller checks: a minute after the step stream stopped is not still, it is
 * unknown.
 */
export function isStill(minute: number, movingMinutes: MovingMinutes): boolean {
  return !movingMinutes.anyBetween(minute - STILL_WINDOW_MINUTES, minute);
}

/** Mean heart rate of the still minutes inside the main sleep, or null below the minimum. */
function duringSleep(
  sleep: SleepSession,
  heartRate: ReadonlyMap<number, HeartRateMinute>,
  movingMinutes: MovingMinutes,
  stepsKnownDays: ReadonlySet<number>,
): number | null {
  let sum = 0;
  let minutes = 0;
  const last = Math.ceil(sleep.endTime / MINUTE_MS);
  for (let minute = Math.floor(sleep.startTime / MINUTE_MS); minute < last; minute++) {
    const hr = heartRate.get(minute);
    if (hr !== undefined && stepsKnownDays.has(hr.day) && isStill(minute, movingMinutes)) {
      sum += hr.sum / hr.count;
      minutes++;
    }
  }
  return minutes >= MIN_RESTING_MINUTES ? sum / minutes : null;
}

/**
 * The quietest hours: hours with at least {@link MIN_RESTING_MINUTES} still
 * minutes, fewest steps first, then lowest heart rate, the first
 * {@link QUIETEST_HOURS} of them. Their still minutes are averaged together.
 */
function duringQuietestHours(hours: Iterable<StillHour>): number | null {
  const candidates = [...hours].filter((h) => h.minutes >= MIN_RESTING_MINUTES);
  if (candidates.length === 0) return null;
  candidates.sort(
    (a, b) => a.steps - b.steps || a.heartRateSum / a.minutes - b.heartRateSum / b.minutes,
  );
  let sum = 0;
  let minutes = 0;
  for (const hour of candidates.slice(0, QUIETEST_HOURS)) {
    sum += hour.heartRateSum;
    minutes += hour.minutes;
  }
  return sum / minutes;
}

/**
 * Mean heart rate of still minutes (no steps in the minute or the 10 before, on
 * a day whose steps are known: `stepsKnownDays` holds local day numbers)
 * during the main sleep; sleep is the most reproducible rest of the day. When
 * there is no main sleep, or it holds too few still minutes (watch off at
 * night), the day's quietest hours stand in.
 */
export function estimateRestingHeartRate(
  mainSleep: SleepSession | null,
  stillHours: Iterable<StillHour>,
  heartRate: ReadonlyMap<number, HeartRateMinute>,
  movingMinutes: MovingMinutes,
  stepsKnownDays: ReadonlySet<number>,
): number | null {
  const asleep = mainSleep
    ? duringSleep(mainSleep, heartRate, movingMinutes, stepsKnownDays)
    : null;
  return asleep ?? duringQuietestHours(stillHours);
}
