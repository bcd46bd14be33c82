/**
 * Fitbit records heart rate every few seconds while worn (about every 5 s, and
 * about every second during exercise), not once a minute. The cohort generates one rate per minute; this spreads a
 * minute into its samples, each a beat or two off the minute's rate, the same
 * way every time, so lists and roll-ups of the same minute agree.
 */

/** One sample a minute, the cohort's own resolution (the default). */
export const MINUTE_CADENCE_SECONDS = 60;
/** Fitbit's cadence while worn. */
export const FITBIT_CADENCE_SECONDS = 5;

const WOBBLE = [0, 1, -1, 2, -2, 1, 0, -1, 1, -2, 2, -1];

/** Cadences that divide a minute evenly, so every minute has the same number of samples. */
export function isHeartRateCadence(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= 60 && 60 % seconds === 0;
}

/** A minute's samples, oldest first, and what they add up to. */
export interface MinuteSamples {
  values: readonly number[];
  sum: number;
  min: number;
  max: number;
}

/** Every minute with the same rate, wobble phase and cadence has the same samples: made once. */
const samplesByKey = new Map<number, MinuteSamples>();

/** The samples of one minute: `60 / cadence` rates, the minute's own at 60 s. */
export function samplesOfMinute(
  beatsPerMinute: number,
  minuteOfDay: number,
  cadenceSeconds: number,
): MinuteSamples {
  const count = 60 / cadenceSeconds;
  const phase = count === 1 ? 0 : (minuteOfDay * 5) % WOBBLE.length;
  const key = (beatsPerMinute * WOBBLE.length + phase) * 61 + count;
  let samples = samplesByKey.get(key);
  if (samples === undefined) {
    const values =
      count === 1
        ? [beatsPerMinute]
        : Array.from({ length: count }, (_, k) =>
            Math.min(220, Math.max(30, beatsPerMinute + WOBBLE[(phase + k) % WOBBLE.length])),
          );
    samples = {
      values,
      sum: values.reduce((a, b) => a + b, 0),
      min: Math.min(...values),
      max: Math.max(...values),
    };
    samplesByKey.set(key, samples);
  }
  return samples;
}

/** Steps in a minute from which it counts as exercise (Fitbit's moderate cadence). */
export const EXERCISE_STEPS_PER_MINUTE = 100;

/**
 * The cadence of one minute: a fifth of the usual during exercise (5 s -> 1 s),
 * rounded down to a cadence that divides a minute; one sample a minute stays so.
 */
export function cadenceOfMinute(cadenceSeconds: number, stepsThatMinute: number): number {
  if (cadenceSeconds >= 60 || stepsThatMinute < EXERCISE_STEPS_PER_MINUTE) return cadenceSeconds;
  let dense = Math.max(1, Math.floor(cadenceSeconds / 5));
  while (!isHeartRateCadence(dense)) dense--;
  return dense;
}
