import { DailyReading, RecordedPoint, TimedInterval, WearablePoints } from './points';

/**
 * A list returns every source: a patient whose phone mirrors Fitbit into Apple
 * Health or Health Connect has each night twice. Points the Fitbit device
 * recorded are the original; the mirrored copy is dropped wherever it covers the
 * same thing. Other sources (manual entries, Google Fit) are kept: they are not
 * copies.
 */
const FITBIT_RECORDED = new Set(['FITBIT', 'FITBIT_WEB_API']);
const MIRRORED = new Set(['HEALTH_KIT', 'HEALTH_CONNECT']);

function isFitbitRecorded(point: RecordedPoint): boolean {
  return point.platform !== null && FITBIT_RECORDED.has(point.platform);
}

function isMirrored(point: RecordedPoint): boolean {
  return point.platform !== null && MIRRORED.has(point.platform);
}

/** Keeps every point unless it is mirrored and `covered` says Fitbit recorded the same thing. */
function dropCoveredMirrors<T extends RecordedPoint>(
  points: readonly T[],
  covered: (fitbit: readonly T[]) => (mirrored: T) => boolean,
): readonly T[] {
  const fitbit = points.filter(isFitbitRecorded);
  if (fitbit.length === 0 || !points.some(isMirrored)) return points;
  const isCovered = covered(fitbit);
  return points.filter((p) => !isMirrored(p) || !isCovered(p));
}

/** Daily readings: the same local date. */
function sameDate<T extends DailyReading>(fitbit: readonly T[]): (mirrored: T) => boolean {
  const dates = new Set(fitbit.map((p) => p.date));
  return (p) => dates.has(p.date);
}

/** Samples: the same instant, to the second (mirrors drop sub-second precision). */
function sameSecond<T extends RecordedPoint & { time: number }>(
  fitbit: readonly T[],
): (mirrored: T) => boolean {
  const seconds = new Set(fitbit.map((p) => Math.floor(p.time / 1000)));
  return (p) => seconds.has(Math.floor(p.time / 1000));
}

/** Intervals and sessions: any overlap in time, found by binary search over Fitbit starts. */
function overlapping<T extends TimedInterval>(fitbit: readonly T[]): (mirrored: T) => boolean {
  const sorted = [...fitbit].sort((a, b) => a.startTime - b.startTime);
  const starts = sorted.map((p) => p.startTime);
  // Latest end among the intervals up to each index: Fitbit intervals may overlap each other.
  const latestEnds: number[] = [];
  let latest = -Infinity;
  for (const p of sorted) {
    latest = Math.max(latest, p.endTime);
    latestEnds.push(latest);
  }
  return (p) => {
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (starts[mid] < p.endTime) low = mid + 1;
      else high = mid;
    }
    return low > 0 && latestEnds[low - 1] > p.startTime;
  };
}

/**
 * Drops mirrored copies (HEALTH_KIT, HEALTH_CONNECT) of anything a Fitbit
 * device recorded, per data type: the same day for daily types, the same
 * instant for samples, any overlap for intervals and sleep sessions. Types not
 * present stay absent.
 */
export function preferFitbitRecorded(points: WearablePoints): WearablePoints {
  const result: WearablePoints = {};
  if (points['heart-rate'])
    result['heart-rate'] = dropCoveredMirrors(points['heart-rate'], sameSecond);
  if (points.steps) result.steps = dropCoveredMirrors(points.steps, overlapping);
  if (points['active-minutes']) {
    result['active-minutes'] = dropCoveredMirrors(points['active-minutes'], overlapping);
  }
  if (points['daily-resting-heart-rate']) {
    result['daily-resting-heart-rate'] = dropCoveredMirrors(
      points['daily-resting-heart-rate'],
      sameDate,
    );
  }
  if (points['daily-heart-rate-variability']) {
    result['daily-heart-rate-variability'] = dropCoveredMirrors(
      points['daily-heart-rate-variability'],
      sameDate,
    );
  }
  if (points['daily-oxygen-saturation']) {
    result['daily-oxygen-saturation'] = dropCoveredMirrors(
      points['daily-oxygen-saturation'],
      sameDate,
    );
  }
  if (points['daily-respiratory-rate']) {
    result['daily-respiratory-rate'] = dropCoveredMirrors(
      points['daily-respiratory-rate'],
      sameDate,
    );
  }
  if (points['daily-sleep-temperature-derivations']) {
    result['daily-sleep-temperature-derivations'] = dropCoveredMirrors(
      points['daily-sleep-temperature-derivations'],
      sameDate,
    );
  }
  if (points.sleep) result.sleep = dropCoveredMirrors(points.sleep, overlapping);
  if (points.weight) result.weight = dropCoveredMirrors(points.weight, sameSecond);
  return result;
}
