/**
 * The cohort's physiology against the published figures it is fitted to
 * (docs/simulator.md, "Physiology and its sources").
 */
import { Cohort, SimulatedUser } from './cohort';
import {
  illnessLoad,
  isWeekend,
  SLEEP_AWAKE_IN_PERIOD_MINUTES,
  spontaneousIllnesses,
} from './physiology';
import { parseScenario } from './scenarios';
import { addDays } from '../time';

const NOW = Date.parse('2026-11-28T18:00:00Z');
const HISTORY_START = '2026-01-01';

function cohort(clean: boolean, size = 400): Cohort {
  return new Cohort({
    seed: 'physiology-spec',
    size,
    historyStartDate: HISTORY_START,
    cacheSize: 64,
    now: () => NOW,
    clean,
  });
}

const mean = (values: readonly number[]): number =>
  values.reduce((sum, v) => sum + v, 0) / values.length;
const sd = (values: readonly number[]): number => {
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
};
const dates = (from: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => addDays(from, i));

/** Minutes asleep in a day's main sleep (the period less its AWAKE stages), or null. */
function asleepMinutes(c: Cohort, user: SimulatedUser, date: string): number | null {
  const main = c.day(user, date).sleeps.find((s) => !s.nap);
  if (!main) return null;
  const awake = main.stages
    .filter((s) => s.type === 'AWAKE')
    .reduce((sum, s) => sum + (s.endMs - s.startMs) / 60_000, 0);
  return (main.endMs - main.startMs) / 60_000 - awake;
}

/** Minutes asleep as planned (the main sleep period less the usual minutes awake in it), or null. */
function plannedAsleepMinutes(c: Cohort, user: SimulatedUser, date: string): number | null {
  const main = c.sleepPlan(user, date).find((s) => !s.nap);
  return main ? (main.endMs - main.startMs) / 60_000 - SLEEP_AWAKE_IN_PERIOD_MINUTES : null;
}

describe('the cohort physiology', () => {
  const clean = cohort(true);
  const users = clean.users(0, 400);

  it('draws resting heart rates like 92,457 Fitbit wearers: mean 65.5 bpm, SD 7.7 (Quer 2020)', () => {
    const levels = users.map((u) => u.restingHeartRate);
    expect(mean(levels)).toBeGreaterThan(64);
    expect(mean(levels)).toBeLessThan(67);
    expect(sd(levels)).toBeGreaterThan(6.5);
    expect(sd(levels)).toBeLessThan(9);
  });

  it('varies a resting heart rate by about 2 bpm a day, and one in five has a week swinging 10 bpm', () => {
    const messy = cohort(false);
    const year = dates('2026-01-05', 329);
    const daySds: number[] = [];
    // Weeks counted from each weekday in turn: which day a week starts on moves the share.
    const swinging = Array.from({ length: 7 }, () => 0);
    for (const user of messy.users(0, 120)) {
      const series = year.map((date) => messy.restingHeartRateOn(user, date));
      daySds.push(sd(series));
      for (let first = 0; first < 7; first++) {
        for (let week = first; week + 7 <= series.length; week += 7) {
          const days = series.slice(week, week + 7);
          if (Math.max(...days) - Math.min(...days) >= 10) {
            swinging[first] += 1;
            break;
          }
        }
      }
    }
    daySds.sort((a, b) => a - b);
    expect(daySds[60]).toBeGreaterThan(1.5);
    expect(daySds[60]).toBeLessThan(2.8);
    // Quer 2020: 20% had at least one week with a 10 bpm swing.
    const share = mean(swinging) / 120;
    expect(share).toBeGreaterThan(0.12);
    expect(share).toBeLessThan(0.3);
  });

  it('sleeps like Fitbit wearers: about 6 h 40 min asleep, 45 min between people, an hour night to night, longer at weekends', () => {
    const habitual: number[] = [];
    const nightSds: number[] = [];
    const weekend: number[] = [];
    const weekday: number[] = [];
    for (const user of users.slice(0, 120)) {
      const nights: number[] = [];
      for (const date of dates('2026-10-01', 56)) {
        const minutes = plannedAsleepMinutes(clean, user, date);
        if (minutes === null) continue;
        nights.push(minutes);
        (isWeekend(date) ? weekend : weekday).push(minutes);
      }
      habitual.push(mean(nights));
      nightSds.push(sd(nights));
    }
    expect(mean(habitual)).toBeGreaterThan(385);
    expect(mean(habitual)).toBeLessThan(420);
    expect(sd(habitual)).toBeGreaterThan(35);
    expect(sd(habitual)).toBeLessThan(60);
    expect(mean(nightSds)).toBeGreaterThan(45);
    expect(mean(nightSds)).toBeLessThan(85);
    expect(mean(weekend) - mean(weekday)).toBeGreaterThan(15);
  });

  it('gives adults 2-3 respiratory infections a year, none in a clean cohort', () => {
    let count = 0;
    for (let index = 0; index < 500; index++) {
      const illnesses = spontaneousIllnesses('physiology-spec', index, HISTORY_START);
      count += illnesses.filter((i) => i.from < addDays(HISTORY_START, 730)).length;
      for (const illness of illnesses) expect(parseScenario(illness)).toEqual(illness);
    }
    expect(count / 500 / 2).toBeGreaterThan(2);
    expect(count / 500 / 2).toBeLessThan(3);
    expect(spontaneousIllnesses('physiology-spec', 3, HISTORY_START)).toEqual(
      spontaneousIllnesses('physiology-spec', 3, HISTORY_START),
    );
    const messy = cohort(false, 10);
    const someone = messy.users(0, 10)[3];
    expect(messy.illnesses(someone)).toEqual(
      spontaneousIllnesses('physiology-spec', 3, HISTORY_START),
    );
    expect(clean.illnesses(someone)).toEqual([]);
  });

  it('an illness raises resting heart rate to its peak and back, with fewer steps and longer sleep', () => {
    expect(dates('2026-01-01', 9).map((_, i) => illnessLoad(7, i - 1))).toEqual([
      0,
      1 / 3,
      2 / 3,
      1,
      4 / 5,
      3 / 5,
      2 / 5,
      1 / 5,
      0,
    ]);
    const c = cohort(true, 40);
    const user = c.users(0, 40)[5];
    const from = '2026-11-02';
    const course = dates(addDays(from, -1), 9);
    const well = course.map((date) => c.restingHeartRateOn(user, date));
    const stepsOf = (date: string): number => c.day(user, date).steps.reduce((s, v) => s + v, 0);
    const wellSteps = course.map(stepsOf);
    const wellSleep = course.map((date) => asleepMinutes(c, user, date) ?? 0);
    c.setScenarios(user.id, [{ kind: 'illness', from, days: 7, peakBpm: 9 }]);
    const ill = course.map((date) => c.restingHeartRateOn(user, date));
    // 9 bpm x the course's load, give or take the rounding of whole beats.
    const expected = [0, 3, 6, 9, 7.2, 5.4, 3.6, 1.8, 0];
    ill.forEach((bpm, i) => expect(Math.abs(bpm - well[i] - expected[i])).toBeLessThanOrEqual(0.8));
    const peak = course.slice(2, 6);
    expect(mean(peak.map(stepsOf))).toBeLessThan(0.75 * mean(wellSteps.slice(2, 6)));
    expect(mean(peak.map((date) => asleepMinutes(c, user, date) ?? 0))).toBeGreaterThan(
      mean(wellSleep.slice(2, 6)) + 20,
    );
    expect(c.day(user, course[3]).daily?.restingHeartRate).toBe(ill[3]);
    expect(() => parseScenario({ kind: 'illness', from, days: 0 })).toThrow(
      'days must be a whole number from 1 to 60',
    );
  });
});
