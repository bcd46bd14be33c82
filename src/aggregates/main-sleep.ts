import { dateOfDayNumber, formatLocalTimestamp, localDayNumber } from '../time';
import { SleepSession } from '../wearables/google-health/points';
import { NO_DATA, type DailyMetrics } from './daily-aggregate';
import { roundTo } from './rounding';

/** The sleep columns of a day's metrics, all from its main sleep but the total. */
export const SLEEP_METRICS = [
  'sleepAsleepMinutes',
  'sleepInBedMinutes',
  'sleepEfficiency',
  'sleepDeepMinutes',
  'sleepLightMinutes',
  'sleepRemMinutes',
  'sleepAwakeMinutes',
  'sleepStart',
  'sleepEnd',
  'sleepTotalMinutes',
] as const satisfies readonly (keyof DailyMetrics)[];

export type SleepMetrics = Pick<DailyMetrics, (typeof SLEEP_METRICS)[number]>;

/** The sleep columns of a day without data. */
const NO_SLEEP: SleepMetrics = Object.fromEntries(
  SLEEP_METRICS.map((metric) => [metric, NO_DATA[metric]]),
) as SleepMetrics;

/**
 * The local day a night belongs to: the morning it ends on (Tuesday's sleep is
 * the one the patient wakes from on Tuesday), by the session's own offset.
 */
export function nightOf(session: SleepSession): number {
  return localDayNumber(session.endTime, session.endUtcOffsetSeconds);
}

/**
 * Per local date, the earliest start of the sleeps ending on it, naps and
 * mirrored copies included: whichever becomes the main sleep starts no
 * earlier, so a day's minutes read from there hold its whole night.
 */
export function nightStarts(sessions: readonly SleepSession[]): Map<string, number> {
  const starts = new Map<string, number>();
  for (const s of sessions) {
    const date = dateOfDayNumber(nightOf(s));
    const known = starts.get(date);
    if (known === undefined || s.startTime < known) starts.set(date, s.startTime);
  }
  return starts;
}

/**
 * The main sleep is the longest session (end minus start) not flagged as a nap.
 * The provider's own `mainSleep` flag is not used: its "day" is not the local
 * date the session ends on, which is the day Vigil files sleep under.
 */
export function mainSleepOf(sessions: readonly SleepSession[]): SleepSession | null {
  let main: SleepSession | null = null;
  for (const s of sessions) {
    if (!s.nap && (main === null || s.endTime - s.startTime > main.endTime - main.startTime))
      main = s;
  }
  return main;
}

/** Sleep metrics of the sessions ending on one local date. */
export function sleepMetrics(
  sessions: readonly SleepSession[],
  main: SleepSession | null,
): SleepMetrics {
  if (sessions.length === 0) return NO_SLEEP;
  // Total sleep counts naps too: daytime sleep is part of how much a patient sleeps.
  let total: number | null = null;
  for (const s of sessions) {
    if (s.minutesAsleep !== null) total = (total ?? 0) + s.minutesAsleep;
  }
  if (main === null) return { ...NO_SLEEP, sleepTotalMinutes: total };
  return {
    sleepAsleepMinutes: main.minutesAsleep,
    sleepInBedMinutes: main.minutesInSleepPeriod,
    // The API has no efficiency field; Fitbit's classic definition is asleep / time in bed.
    sleepEfficiency:
      main.minutesAsleep !== null && main.minutesInSleepPeriod > 0
        ? roundTo((main.minutesAsleep / main.minutesInSleepPeriod) * 100, 1)
        : null,
    sleepDeepMinutes: main.deepMinutes,
    sleepLightMinutes: main.lightMinutes,
    sleepRemMinutes: main.remMinutes,
    sleepAwakeMinutes: main.minutesAwake,
    sleepStart: formatLocalTimestamp(main.startTime, main.startUtcOffsetSeconds),
    sleepEnd: formatLocalTimestamp(main.endTime, main.endUtcOffsetSeconds),
    sleepTotalMinutes: total,
  };
}
