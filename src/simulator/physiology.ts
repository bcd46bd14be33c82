/**
 * How the cohort's bodies vary: per-person baselines drawn once, and the
 * day-to-day, weekly and seasonal variation around them, fitted to published
 * population figures (docs/simulator.md, "Physiology and its sources").
 * Everything is a pure function of (seed, user, date), so any day of any user
 * regenerates identically without keeping earlier days.
 */
import { createRandom, Random } from './prng';
import type { Scenario } from './scenarios';
import { addDays, dayNumber, parseDate } from '../time';

/**
 * Resting heart rate between people: mean 65.5 bpm, SD 7.7 (Quer et al.,
 * PLOS One 2020, 92,457 Fitbit wearers; individual means ranged 40-109).
 */
export const RESTING_HR_MEAN_BPM = 65.5;
export const RESTING_HR_BETWEEN_SD_BPM = 7.7;
/** Day-to-day noise of the provider's daily value around a person's level. */
export const RESTING_HR_DAILY_SD_BPM = 1.2;
/** A slower wander of several days (training load, stress, alcohol, travel): its SD range. */
export const RESTING_HR_WANDER_SD_BPM: readonly [number, number] = [0.7, 1.6];
/** Seasonal amplitude: highest in January, lowest in July (Quer 2020). */
export const RESTING_HR_SEASONAL_BPM = 0.7;

/**
 * Minutes asleep in the main sleep, as Fitbit counts them: Fitbit's users
 * average about 6 h 40 min (6 h 26 min men, 6 h 50 min women over 6 billion
 * nights; 6.7 h in All of Us, Zheng et al., Nature Medicine 2024), with
 * between-person differences of about 45 minutes (sex 24 min, region 32-43 min).
 */
export const SLEEP_ASLEEP_MEAN_MINUTES = 400;
export const SLEEP_ASLEEP_BETWEEN_SD_MINUTES = 45;
/**
 * Night-to-night SD of sleep duration: 1.26 h by actigraphy in CARDIA
 * (Knutson 2007), 77 min pooled over actigraphy studies (Messman 2022);
 * a person's own SD is drawn in this range (minutes).
 */
export const SLEEP_NIGHTLY_SD_MINUTES: readonly [number, number] = [50, 80];
/** Weekend catch-up sleep (nights ending Saturday and Sunday), minutes: a per-person range. */
export const SLEEP_WEEKEND_EXTRA_MINUTES: readonly [number, number] = [10, 45];
/** Minutes awake inside a main sleep as the stage generator makes them (on average). */
export const SLEEP_AWAKE_IN_PERIOD_MINUTES = 15;

/**
 * Respiratory infections: adults have 2-4 colds a year (BMJ Best Practice;
 * CDC: 2-3). Wearables see them as a raised resting heart rate, fewer steps
 * and longer sleep (JMIR 2023, 2,435 people with influenza-like illness).
 */
export const ILLNESSES_PER_YEAR = 2.5;

export type IllnessScenario = Extract<Scenario, { kind: 'illness' }>;

/** What an illness does to one day, at its peak `load` 1. */
export interface IllnessDay {
  /** 0 outside the illness, up to 1 at its peak. */
  load: number;
  peakBpm: number;
}

/**
 * The course of an illness `days` long from its first day (index 0): the rise
 * builds over about the first third (resting heart rate rises before symptoms,
 * NightSignal: a median 3 days before) and ebbs over the rest.
 */
export function illnessLoad(days: number, dayIndex: number): number {
  if (dayIndex < 0 || dayIndex >= days) return 0;
  const peak = Math.max(1, Math.round(days * 0.3));
  return dayIndex <= peak ? (dayIndex + 1) / (peak + 1) : (days - dayIndex) / (days - peak);
}

/**
 * A user's spontaneous illnesses (a default cohort only): a Poisson process of
 * `ILLNESSES_PER_YEAR` from two weeks before the history starts, for two years.
 * Most are mild colds (a rise of 2-4 bpm); about a third are flu-like (5-10 bpm).
 */
export function spontaneousIllnesses(
  seed: string,
  userIndex: number,
  historyStartDate: string,
): IllnessScenario[] {
  const random = createRandom(seed, 'illnesses', userIndex);
  const illnesses: IllnessScenario[] = [];
  const meanGapDays = 365 / ILLNESSES_PER_YEAR;
  let offset = -14 + exponential(random, meanGapDays) - meanGapDays / 2;
  while (offset < 730) {
    const marked = random.chance(0.35);
    const days = marked ? random.int(6, 12) : random.int(4, 8);
    const peakBpm = marked ? random.int(5, 9) : random.int(2, 4);
    illnesses.push({
      kind: 'illness',
      from: addDays(historyStartDate, Math.round(offset)),
      days,
      peakBpm,
    });
    offset += days + exponential(random, meanGapDays);
  }
  return illnesses;
}

function exponential(random: Random, mean: number): number {
  return -mean * Math.log(1 - random.next());
}

/** 6 = Saturday, 0 = Sunday. */
export function weekday(date: string): number {
  return (((dayNumber(date) + 4) % 7) + 7) % 7;
}

export function isWeekend(date: string): boolean {
  const day = weekday(date);
  return day === 0 || day === 6;
}

/** A standard normal drawn for (seed, user, purpose, day number), the same every time. */
function dayNormal(seed: string, userIndex: number, purpose: string, day: number): number {
  return createRandom(seed, userIndex, purpose, day).normal(0, 1);
}

const WANDER_DAYS = 10;
const WANDER_DECAY = 0.8;
const WANDER_NORM = Math.sqrt(
  Array.from({ length: WANDER_DAYS }, (_, k) => WANDER_DECAY ** (2 * k)).reduce((a, b) => a + b),
);

/**
 * A slow, autocorrelated wander with unit SD: a moving average of the last
 * ten days' draws, weighted 0.8^k, so neighbouring days move together for about a week.
 */
export function wander(seed: string, userIndex: number, purpose: string, date: string): number {
  const day = dayNumber(date);
  let sum = 0;
  for (let k = 0; k < WANDER_DAYS; k++)
    sum += WANDER_DECAY ** k * dayNormal(seed, userIndex, purpose, day - k);
  return sum / WANDER_NORM;
}

/** Seasonal term in [-1, 1]: 1 in mid-January, -1 in mid-July. */
export function season(date: string): number {
  const { year } = parseDate(date);
  const dayOfYear = dayNumber(date) - dayNumber(`${year}-01-01`);
  return Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365.25);
}
