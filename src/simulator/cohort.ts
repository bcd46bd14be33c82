/**
 * The synthetic cohort. Every user and every (user, local date) is derived from
 * the seed on demand, so 10,000 users x 60 days cost no memory until read; a
 * small LRU cache keeps recently generated days.
 *
 * A generated day holds one heart rate per worn minute; points.ts spreads it
 * into samples at the simulator's cadence. Unless the cohort is clean, users
 * carry messy habits (habits.ts) on top of their scenarios.
 */
import { createRandom, hashSeed, Random } from './prng';
import { messyHabits } from './habits';
import {
  IllnessScenario,
  isWeekend,
  RESTING_HR_BETWEEN_SD_BPM,
  RESTING_HR_DAILY_SD_BPM,
  RESTING_HR_MEAN_BPM,
  RESTING_HR_SEASONAL_BPM,
  RESTING_HR_WANDER_SD_BPM,
  season,
  SLEEP_ASLEEP_BETWEEN_SD_MINUTES,
  SLEEP_ASLEEP_MEAN_MINUTES,
  SLEEP_AWAKE_IN_PERIOD_MINUTES,
  SLEEP_NIGHTLY_SD_MINUTES,
  SLEEP_WEEKEND_EXTRA_MINUTES,
  spontaneousIllnesses,
  wander,
  weekday,
} from './physiology';
import { Scenario, ScenarioEffects, scenarioEffects } from './scenarios';
// From the modules themselves: the `../time` barrel's CommonJS re-exports are getters, read per minute here.
import { addDays, DAY_MS, HOUR_MS, MINUTE_MS } from '../time/civil-time';
import { localDateAt } from '../time/zone';
import { instantInZone, offsetInZone } from './time';

export interface Trip {
  timeZone: string;
  /** Local date of the outbound flight (noon, home time). */
  departDate: string;
  /** Local date of the return flight (noon, trip time). */
  returnDate: string;
  departMs: number;
  returnMs: number;
}

/** The UTC offset in force from `fromMs` until the next segment. */
export interface OffsetSegment {
  fromMs: number;
  offsetSeconds: number;
}

export function offsetAt(segments: readonly OffsetSegment[], instantMs: number): number {
  let offset = segments[0].offsetSeconds;
  for (const segment of segments) {
    if (segment.fromMs > instantMs) break;
    offset = segment.offsetSeconds;
  }
  return offset;
}

export interface SimulatedUser {
  id: string;
  index: number;
  healthUserId: string;
  legacyUserId: string;
  homeTimeZone: string;
  trip: Trip | null;
  deviceName: string;
  /** The person's usual resting heart rate (bpm); days vary around it. */
  restingHeartRate: number;
  /** How much higher resting heart rate runs on weekend mornings (bpm). */
  restingHrWeekendBpm: number;
  /** SD of the slow, several-day wander of resting heart rate (bpm). */
  restingHrWanderBpm: number;
  heartRateVariabilityMs: number;
  oxygenSaturation: number;
  breathsPerMinute: number;
  skinTemperatureBaselineC: number;
  weightKg: number;
  ownsScale: boolean;
  dailySteps: number;
  /** Weekend steps as a share of weekday steps. */
  weekendStepsFactor: number;
  /** Usual length of the main sleep period, minutes (asleep plus ~15 awake). */
  sleepMinutes: number;
  /** Night-to-night SD of the main sleep's length, minutes. */
  sleepNightlySdMinutes: number;
  /** Extra sleep on nights ending on a Saturday or Sunday, minutes. */
  sleepWeekendMinutes: number;
  /** Usual bedtime, minutes after the previous local midnight (may exceed 1440). */
  bedtimeMinutes: number;
  napProbability: number;
  weighInProbability: number;
  notWornProbability: number;
  syncPhaseMs: number;
}

export type SleepStageType = 'AWAKE' | 'LIGHT' | 'DEEP' | 'REM' | 'ASLEEP' | 'RESTLESS';

export interface SleepStage {
  type: SleepStageType;
  startMs: number;
  endMs: number;
}

export interface SleepSession {
  startMs: number;
  endMs: number;
  nap: boolean;
  stages: SleepStage[];
}

export interface DailyValues {
  restingHeartRate: number;
  calculatedWithSleep: boolean;
  heartRateVariability: { averageMs: number; deepSleepRmssdMs: number; nonRemBpm: number } | null;
  oxygenSaturation: {
    average: number;
    lower: number;
    upper: number;
    standardDeviation: number;
  } | null;
  breathsPerMinute: number | null;
  skinTemperature: { nightlyC: number; baselineC: number; relativeStddev30dC: number } | null;
}

export interface WeighIn {
  instantMs: number;
  grams: number;
  manual: boolean;
}

/** One local day of one user: the physical span [startMs, endMs) and what was recorded in it. */
export interface DayRecord {
  date: string;
  startMs: number;
  endMs: number;
  /** UTC offsets across the span (more than one on DST and travel days). */
  offsets: OffsetSegment[];
  worn: boolean;
  /** Beats per minute per minute of the span; 0 = no sample (not worn). */
  heartRate: Uint8Array;
  /** Steps per minute of the span. */
  steps: Uint8Array;
  /** Sleep sessions ending on this date, main sleep first. */
  sleeps: SleepSession[];
  daily: DailyValues | null;
  weighIns: WeighIn[];
  effects: ScenarioEffects;
}

export interface CohortOptions {
  seed: string;
  size: number;
  /** First local date with data. */
  historyStartDate: string;
  /** Most recent generated days kept in memory. */
  cacheSize: number;
  now: () => number;
  /** No messy habits: every user's data is as tidy as their scenarios leave it. */
  clean?: boolean;
}

const HOME_ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'Europe/London',
  'Europe/Berlin',
] as const;
const TRIP_ZONES = [
  'Europe/Paris',
  'Asia/Tokyo',
  'America/New_York',
  'America/Los_Angeles',
] as const;
const DEVICES = ['Charge 6', 'Inspire 3', 'Sense 2', 'Versa 4', 'Pixel Watch 2'] as const;
const USER_ID_PREFIX = 'sim-';
const LEGACY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const REGULAR_SYNC_MS = 15 * MINUTE_MS;

/** Weight by weekday (Sunday first) as a percent of body weight: Orsama et al., Obesity Facts 2014. */
const WEEKLY_WEIGHT_PERCENT = [0.2, 0.2, 0.1, 0, -0.1, -0.15, 0.05] as const;

const round1 = (value: number): number => Math.round(value * 10) / 10;
const round2 = (value: number): number => Math.round(value * 100) / 100;
const clamp = (value: number, min: number, max: number): number =>
  Math.min(max, Math.max(min, value));

export class Cohort {
  private readonly days = new Map<string, DayRecord>();
  private readonly scenariosByUser = new Map<string, Scenario[]>();
  private readonly profiles = new Map<number, SimulatedUser>();
  private readonly illnessesByUser = new Map<string, IllnessScenario[]>();

  constructor(private readonly options: CohortOptions) {}

  get size(): number {
    return this.options.size;
  }

  get seed(): string {
    return this.options.seed;
  }

  get historyStartDate(): string {
    return this.options.historyStartDate;
  }

  userIdAt(index: number): string {
    return `${USER_ID_PREFIX}${index + 1}`;
  }

  /** Looks a user up by simulator id (`sim-1`) or by healthUserId. */
  user(idOrHealthUserId: string): SimulatedUser | undefined {
    let index: number;
    if (idOrHealthUserId.startsWith(USER_ID_PREFIX)) {
      index = Number(idOrHealthUserId.slice(USER_ID_PREFIX.length)) - 1;
    } else if (/^\d{19}$/.test(idOrHealthUserId)) {
      index = Number(idOrHealthUserId.slice(1, 9));
      if (this.healthUserIdAt(index) !== idOrHealthUserId) return undefined;
    } else {
      return undefined;
    }
    if (!Number.isInteger(index) || index < 0 || index >= this.options.size) return undefined;
    return this.profile(index);
  }

  users(offset: number, limit: number): SimulatedUser[] {
    const result: SimulatedUser[] = [];
    for (let i = offset; i < Math.min(this.options.size, offset + limit); i++)
      result.push(this.profile(i));
    return result;
  }

  scenarios(userId: string): readonly Scenario[] {
    return this.scenariosByUser.get(userId) ?? [];
  }

  /** The user's messy habits (none in a clean cohort); they apply under the scenarios. */
  habits(user: SimulatedUser): readonly Scenario[] {
    if (this.options.clean === true) return [];
    return messyHabits(this.options.seed, user.index, this.options.historyStartDate);
  }

  /**
   * The user's own respiratory infections, a few a year (none in a clean
   * cohort, whose alerts come from its scenarios only); they apply under the scenarios.
   */
  illnesses(user: SimulatedUser): readonly IllnessScenario[] {
    if (this.options.clean === true) return [];
    const key = `${user.index}`;
    let illnesses = this.illnessesByUser.get(key);
    if (!illnesses) {
      illnesses = spontaneousIllnesses(
        this.options.seed,
        user.index,
        this.options.historyStartDate,
      );
      this.illnessesByUser.set(key, illnesses);
      if (this.illnessesByUser.size > this.options.cacheSize)
        this.illnessesByUser.delete(this.illnessesByUser.keys().next().value as string);
    }
    return illnesses;
  }

  private effects(user: SimulatedUser, date: string): ScenarioEffects {
    return scenarioEffects(
      [...this.habits(user), ...this.illnesses(user), ...this.scenarios(user.id)],
      date,
    );
  }

  setScenarios(userId: string, scenarios: readonly Scenario[]): void {
    if (scenarios.length === 0) this.scenariosByUser.delete(userId);
    else this.scenariosByUser.set(userId, [...scenarios]);
    for (const key of this.days.keys()) if (key.startsWith(`${userId}|`)) this.days.delete(key);
  }

  addScenario(userId: string, scenario: Scenario): void {
    this.setScenarios(userId, [...this.scenarios(userId), scenario]);
  }

  /** The zone the user is in at an instant (changes mid-day on travel days). */
  timeZoneAt(user: SimulatedUser, instantMs: number): string {
    const trip = user.trip;
    return trip && instantMs >= trip.departMs && instantMs < trip.returnMs
      ? trip.timeZone
      : user.homeTimeZone;
  }

  offsetSecondsAt(user: SimulatedUser, instantMs: number): number {
    return offsetInZone(this.timeZoneAt(user, instantMs), instantMs);
  }

  /**
   * The instant a local date begins: local midnight in the zone in force then.
   * An eastward flight can skip midnight; the date then begins on landing.
   */
  dayStart(user: SimulatedUser, date: string): number {
    const trip = user.trip;
    if (!trip) return instantInZone(date, 0, user.homeTimeZone);
    const candidates = [user.homeTimeZone, trip.timeZone]
      .map((zone) => ({ zone, instant: instantInZone(date, 0, zone) }))
      .filter(({ zone, instant }) => this.timeZoneAt(user, instant) === zone)
      .map(({ instant }) => instant);
    if (candidates.length > 0) return Math.min(...candidates);
    return [trip.departMs, trip.returnMs].find(
      (flight) => localDateAt(flight, this.timeZoneAt(user, flight)) === date,
    ) as number;
  }

  /** The zone in force when a local date begins. */
  timeZoneForDate(user: SimulatedUser, date: string): string {
    return this.timeZoneAt(user, this.dayStart(user, date));
  }

  today(user: SimulatedUser): string {
    const now = this.options.now();
    return localDateAt(now, this.timeZoneAt(user, now));
  }

  /** When the device last uploaded: data recorded after this is not visible yet. */
  lastSyncTime(user: SimulatedUser): number {
    const now = this.options.now();
    const scenarios = this.scenarios(user.id);
    const late = scenarios.find((s) => s.kind === 'syncs-late');
    const period = late && late.kind === 'syncs-late' ? late.lagDays * DAY_MS : REGULAR_SYNC_MS;
    const phase = user.syncPhaseMs % period;
    let lastSync = Math.floor((now - phase) / period) * period + phase;
    const stop = scenarios.find((s) => s.kind === 'stops-syncing');
    if (stop && stop.kind === 'stops-syncing') {
      const stopMs = Date.parse(
        /^\d{4}-\d{2}-\d{2}$/.test(stop.from) ? `${stop.from}T00:00:00Z` : stop.from,
      );
      if (lastSync > stopMs) lastSync = Math.floor((stopMs - phase) / period) * period + phase;
    }
    return lastSync;
  }

  batteryLevel(user: SimulatedUser): number {
    // A sawtooth: charged to 100% every ~6 days, read at the last sync.
    const hours = Math.floor((this.lastSyncTime(user) + user.syncPhaseMs) / HOUR_MS);
    return 100 - Math.floor(((hours % 144) / 144) * 90);
  }

  day(user: SimulatedUser, date: string): DayRecord {
    const key = `${user.id}|${date}`;
    const cached = this.days.get(key);
    if (cached) {
      this.days.delete(key);
      this.days.set(key, cached);
      return cached;
    }
    const record = this.generateDay(user, date);
    this.days.set(key, record);
    if (this.days.size > this.options.cacheSize) {
      this.days.delete(this.days.keys().next().value as string);
    }
    return record;
  }

  cachedDayCount(): number {
    return this.days.size;
  }

  private healthUserIdAt(index: number): string {
    const check = String(
      hashSeed(this.options.seed, 'health-user', index) % 10_000_000_000,
    ).padStart(10, '0');
    return `1${String(index).padStart(8, '0')}${check}`;
  }

  private profile(index: number): SimulatedUser {
    const cached = this.profiles.get(index);
    if (cached) return cached;
    const created = this.createProfile(index);
    this.profiles.set(index, created);
    if (this.profiles.size > this.options.cacheSize) {
      this.profiles.delete(this.profiles.keys().next().value as number);
    }
    return created;
  }

  private createProfile(index: number): SimulatedUser {
    const random = createRandom(this.options.seed, 'profile', index);
    const id = this.userIdAt(index);
    const homeTimeZone = random.pick(HOME_ZONES);
    let legacyUserId = '';
    for (let i = 0; i < 6; i++) legacyUserId += random.pick([...LEGACY_ALPHABET]);
    let trip: Trip | null = null;
    if (random.chance(0.2)) {
      const departDate = addDays(this.options.historyStartDate, random.int(7, 40));
      const timeZone = random.pick(TRIP_ZONES.filter((zone) => zone !== homeTimeZone));
      const returnDate = addDays(departDate, random.int(4, 10));
      trip = {
        timeZone,
        departDate,
        returnDate,
        departMs: instantInZone(departDate, 12 * 60, homeTimeZone),
        returnMs: instantInZone(returnDate, 12 * 60, timeZone),
      };
    }
    const restingHeartRate = Math.round(
      clamp(random.normal(RESTING_HR_MEAN_BPM, RESTING_HR_BETWEEN_SD_BPM), 45, 95),
    );
    const asleepMinutes = clamp(
      random.normal(SLEEP_ASLEEP_MEAN_MINUTES, SLEEP_ASLEEP_BETWEEN_SD_MINUTES),
      270,
      540,
    );
    return {
      id,
      index,
      healthUserId: this.healthUserIdAt(index),
      legacyUserId,
      homeTimeZone,
      trip,
      deviceName: random.pick(DEVICES),
      restingHeartRate,
      restingHrWeekendBpm: round1(random.between(0, 1.5)),
      restingHrWanderBpm: round1(random.between(...RESTING_HR_WANDER_SD_BPM)),
      heartRateVariabilityMs: round1(clamp(random.normal(38, 12), 12, 90)),
      oxygenSaturation: round1(clamp(random.normal(96.5, 0.8), 94.5, 98.5)),
      breathsPerMinute: round1(clamp(random.normal(15, 1.5), 11, 19)),
      skinTemperatureBaselineC: round2(random.between(33.6, 34.6)),
      weightKg: round1(clamp(random.normal(80, 15), 48, 140)),
      ownsScale: random.chance(0.6),
      dailySteps: Math.round(clamp(random.normal(7000, 2500), 1500, 16000)),
      weekendStepsFactor: round2(random.between(0.75, 1.1)),
      sleepMinutes: Math.round(asleepMinutes + SLEEP_AWAKE_IN_PERIOD_MINUTES),
      sleepNightlySdMinutes: Math.round(random.between(...SLEEP_NIGHTLY_SD_MINUTES)),
      sleepWeekendMinutes: Math.round(random.between(...SLEEP_WEEKEND_EXTRA_MINUTES)),
      bedtimeMinutes: random.int(21 * 60 + 30, 24 * 60 + 30),
      napProbability: random.between(0.03, 0.2),
      weighInProbability: random.between(0.1, 0.6),
      notWornProbability: random.between(0.01, 0.07),
      syncPhaseMs: random.int(0, 6 * 86_400) * 1000,
    };
  }

  private isWorn(user: SimulatedUser, date: string): boolean {
    return !createRandom(this.options.seed, user.index, date, 'worn').chance(
      user.notWornProbability,
    );
  }

  /** Sleep sessions ending on `date` without stages: main sleep first, then naps. */
  sleepPlan(user: SimulatedUser, date: string): SleepSession[] {
    if (date < this.options.historyStartDate || !this.isWorn(user, date)) return [];
    const random = createRandom(this.options.seed, user.index, date, 'sleep');
    const effects = this.effects(user, date);
    const zone = this.timeZoneForDate(user, date);
    // Weekend nights (ending on a Saturday or Sunday) start later and last longer.
    const weekend = isWeekend(date);
    const bedtime = user.bedtimeMinutes + Math.round(random.normal(weekend ? 40 : 0, 25));
    const usual =
      random.normal(user.sleepMinutes, user.sleepNightlySdMinutes) +
      (weekend ? user.sleepWeekendMinutes : 0) +
      45 * effects.illness;
    const minutes = Math.max(120, Math.min(660, Math.round(usual)) - effects.sleepMinutesLess);
    let mainStart = instantInZone(addDays(date, -1), bedtime, zone);
    // Nobody sleeps through a flight: sleep starts two hours after landing instead.
    const flight = [user.trip?.departMs, user.trip?.returnMs].find(
      (instant) =>
        instant !== undefined &&
        instant > mainStart - 2 * HOUR_MS &&
        instant < mainStart + minutes * MINUTE_MS,
    );
    if (flight !== undefined) mainStart = flight + 2 * HOUR_MS;
    // Now and then the tracker is off the wrist at night: no main sleep.
    const sessions: SleepSession[] = random.chance(0.03)
      ? []
      : [{ startMs: mainStart, endMs: mainStart + minutes * MINUTE_MS, nap: false, stages: [] }];
    const travelDay =
      user.trip !== null && (date === user.trip.departDate || date === user.trip.returnDate);
    if (!travelDay && random.chance(user.napProbability)) {
      const napStart = instantInZone(date, random.int(13 * 60, 16 * 60), zone);
      sessions.push({
        startMs: napStart,
        endMs: napStart + random.int(20, 90) * MINUTE_MS,
        nap: true,
        stages: [],
      });
    }
    return sessions;
  }

  private generateDay(user: SimulatedUser, date: string): DayRecord {
    const effects = this.effects(user, date);
    const startMs = this.dayStart(user, date);
    const endMs = this.dayStart(user, addDays(date, 1));
    const minutes = Math.round((endMs - startMs) / MINUTE_MS);
    const heartRate = new Uint8Array(minutes);
    const steps = new Uint8Array(minutes);
    const worn = date >= this.options.historyStartDate && this.isWorn(user, date);
    const offsets = this.offsetSegments(user, startMs, endMs);
    const record: DayRecord = {
      date,
      startMs,
      endMs,
      offsets,
      worn,
      heartRate,
      steps,
      sleeps: [],
      daily: null,
      weighIns: [],
      effects,
    };
    if (!worn) return record;

    const random = createRandom(this.options.seed, user.index, date, 'day');
    const sleeps = this.sleepPlan(user, date);
    const tonight = this.sleepPlan(user, addDays(date, 1)).find((session) => !session.nap);
    const asleepSpans = [...sleeps, ...(tonight ? [tonight] : [])];
    const main = sleeps.find((session) => !session.nap);
    const wakeMs = main ? main.endMs : startMs + 7 * HOUR_MS;
    const wakeMinute = clamp(Math.round((wakeMs - startMs) / MINUTE_MS), 0, minutes);
    const bedMinute = tonight
      ? clamp(Math.round((tonight.startMs - startMs) / MINUTE_MS), wakeMinute, minutes)
      : minutes - 90;

    const workout = this.fillSteps(
      random,
      user,
      date,
      effects,
      steps,
      wakeMinute,
      bedMinute,
      asleepSpans,
      startMs,
    );
    const restingHeartRate = this.restingHeartRateOn(user, date, effects);
    this.fillHeartRate(random, offsets, restingHeartRate, heartRate, steps, asleepSpans, startMs);

    // A charging gap most days: no heart rate and no steps for up to 90 minutes.
    // Nobody charges the watch during a workout: a gap that would overlap one follows it.
    if (random.chance(0.6)) {
      let gapStart = clamp(wakeMinute + random.int(30, 600), 0, minutes);
      const length = random.int(20, 90);
      if (workout && gapStart < workout.end && gapStart + length > workout.start)
        gapStart = Math.min(minutes, workout.end + 10);
      const gapEnd = Math.min(minutes, gapStart + length);
      heartRate.fill(0, gapStart, gapEnd);
      steps.fill(0, gapStart, gapEnd);
    }

    record.sleeps = sleeps.map((session) => ({
      ...session,
      stages: this.stagesFor(user, date, session),
    }));
    record.daily = this.dailyValues(random, user, effects, restingHeartRate, main !== undefined);
    record.weighIns = this.weighIns(random, user, effects, date, wakeMs);
    // A stopped stream is generated as usual and then withheld, so the others stay as they were.
    for (const stream of effects.stoppedStreams) {
      if (stream === 'steps') steps.fill(0);
      if (stream === 'heart-rate') {
        heartRate.fill(0);
        record.daily = null;
      }
      if (stream === 'sleep') record.sleeps = [];
      if (stream === 'weight') record.weighIns = [];
    }
    return record;
  }

  /**
   * The provider's daily resting heart rate: the person's level, higher on
   * weekend mornings and in winter, a several-day wander, day-to-day noise,
   * and any rise from illness or a scenario.
   */
  restingHeartRateOn(
    user: SimulatedUser,
    date: string,
    effects: ScenarioEffects = this.effects(user, date),
  ): number {
    const seed = this.options.seed;
    const daily = createRandom(seed, user.index, date, 'resting-hr').normal(0, 1);
    return Math.round(
      user.restingHeartRate +
        (isWeekend(date) ? user.restingHrWeekendBpm : 0) +
        RESTING_HR_SEASONAL_BPM * season(date) +
        user.restingHrWanderBpm * wander(seed, user.index, 'resting-hr-wander', date) +
        RESTING_HR_DAILY_SD_BPM * daily +
        effects.restingHrRiseBpm,
    );
  }

  /** Offsets over a span, found by hourly probes and a binary search at each change. */
  private offsetSegments(user: SimulatedUser, startMs: number, endMs: number): OffsetSegment[] {
    const segments: OffsetSegment[] = [
      { fromMs: startMs, offsetSeconds: this.offsetSecondsAt(user, startMs) },
    ];
    for (let probe = startMs + HOUR_MS; probe < endMs + HOUR_MS; probe += HOUR_MS) {
      const at = Math.min(probe, endMs - MINUTE_MS);
      const offset = this.offsetSecondsAt(user, at);
      const current = segments[segments.length - 1];
      if (offset === current.offsetSeconds) continue;
      let low = Math.max(current.fromMs, at - HOUR_MS);
      let high = at;
      while (high - low > MINUTE_MS) {
        const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
        if (this.offsetSecondsAt(user, middle) === current.offsetSeconds) low = middle;
        else high = middle;
      }
      segments.push({ fromMs: high, offsetSeconds: offset });
    }
    return segments;
  }

  private fillSteps(
    random: Random,
    user: SimulatedUser,
    date: string,
    effects: ScenarioEffects,
    steps: Uint8Array,
    wakeMinute: number,
    bedMinute: number,
    asleepSpans: readonly SleepSession[],
    startMs: number,
  ): { start: number; end: number } | null {
    if (bedMinute - wakeMinute < 60) return null;
    const isAsleep = (minute: number): boolean => {
      const instant = startMs + minute * MINUTE_MS;
      return asleepSpans.some((s) => instant >= s.startMs && instant < s.endMs);
    };
    const weekendFactor = isWeekend(date) ? user.weekendStepsFactor : 1;
    const target =
      user.dailySteps *
      effects.activityFactor *
      weekendFactor *
      clamp(random.normal(1, 0.3), 0.3, 1.9);
    let total = 0;
    let workout: { start: number; end: number } | null = null;
    if (random.chance(0.3 * effects.activityFactor)) {
      // A workout: a brisk walk or run.
      const start = random.int(wakeMinute + 30, Math.max(wakeMinute + 30, bedMinute - 60));
      const cadence = random.int(115, 165);
      const end = Math.min(bedMinute, start + random.int(20, 45));
      for (let m = start; m < end; m++) {
        steps[m] = clamp(Math.round(random.normal(cadence, 6)), 60, 200);
        total += steps[m];
      }
      workout = { start, end };
    }
    for (let attempt = 0; total < target && attempt < 400; attempt++) {
      const start = random.int(wakeMinute, bedMinute - 1);
      const length = random.int(1, 15);
      const cadence = random.int(40, 115);
      for (let m = start; m < Math.min(bedMinute, start + length); m++) {
        if (steps[m] > 0 || isAsleep(m)) continue;
        steps[m] = clamp(Math.round(random.normal(cadence, 8)), 1, 200);
        total += steps[m];
      }
    }
    return workout;
  }

  private fillHeartRate(
    random: Random,
    offsets: readonly OffsetSegment[],
    restingHeartRate: number,
    heartRate: Uint8Array,
    steps: Uint8Array,
    asleepSpans: readonly SleepSession[],
    startMs: number,
  ): void {
    let effort = 0;
    for (let m = 0; m < heartRate.length; m++) {
      const instant = startMs + m * MINUTE_MS;
      const asleep = asleepSpans.some((s) => instant >= s.startMs && instant < s.endMs);
      // Effort follows cadence with a lag of a few minutes, as heart rate does.
      effort = 0.7 * effort + 0.3 * steps[m];
      let bpm: number;
      if (asleep) {
        bpm = restingHeartRate - 4 + random.normal(0, 2);
      } else {
        const localMs = instant + offsetAt(offsets, instant) * 1000;
        const localHour = (((localMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
        const circadian = 9 + 5 * Math.sin((2 * Math.PI * (localHour - 10)) / 24);
        bpm = restingHeartRate + circadian + 0.45 * effort + random.normal(0, 3);
      }
      heartRate[m] = clamp(Math.round(bpm), 38, 200);
    }
  }

  private stagesFor(user: SimulatedUser, date: string, session: SleepSession): SleepStage[] {
    const random = createRandom(this.options.seed, user.index, date, 'stages', session.startMs);
    const total = Math.round((session.endMs - session.startMs) / MINUTE_MS);
    const segments: Array<{ type: SleepStageType; minutes: number }> = [];
    if (session.nap) {
      let used = 0;
      while (used < total) {
        const type: SleepStageType =
          used === 0 ? 'ASLEEP' : random.pick(['ASLEEP', 'ASLEEP', 'RESTLESS', 'AWAKE']);
        const length = Math.min(
          total - used,
          type === 'ASLEEP' ? random.int(8, 30) : random.int(1, 3),
        );
        segments.push({ type, minutes: length });
        used += length;
      }
    } else {
      const fallAsleep = random.int(0, 12);
      const afterWake = random.int(0, 4);
      if (fallAsleep > 0) segments.push({ type: 'AWAKE', minutes: fallAsleep });
      let used = fallAsleep;
      const sleepEnd = total - afterWake;
      for (let cycle = 0; used < sleepEnd; cycle++) {
        const early = cycle < 2;
        const plan: Array<[SleepStageType, number]> = [
          ['LIGHT', random.int(20, 40)],
          ['DEEP', early ? random.int(15, 35) : random.int(0, 10)],
          ['LIGHT', random.int(10, 20)],
          ['REM', early ? random.int(5, 12) : random.int(15, 35)],
        ];
        if (random.chance(0.5)) plan.push(['AWAKE', random.int(1, 5)]);
        for (const [type, length] of plan) {
          const minutes = Math.min(length, sleepEnd - used);
          if (minutes <= 0) break;
          segments.push({ type, minutes });
          used += minutes;
        }
      }
      if (afterWake > 0) segments.push({ type: 'AWAKE', minutes: afterWake });
    }
    const stages: SleepStage[] = [];
    let cursor = session.startMs;
    for (const segment of segments) {
      const previous = stages.at(-1);
      const endMs = cursor + segment.minutes * MINUTE_MS;
      if (previous && previous.type === segment.type) previous.endMs = endMs;
      else stages.push({ type: segment.type, startMs: cursor, endMs });
      cursor = endMs;
    }
    return stages;
  }

  private dailyValues(
    random: Random,
    user: SimulatedUser,
    effects: ScenarioEffects,
    restingHeartRate: number,
    slept: boolean,
  ): DailyValues {
    if (!slept) {
      return {
        restingHeartRate,
        calculatedWithSleep: false,
        heartRateVariability: null,
        oxygenSaturation: null,
        breathsPerMinute: null,
        skinTemperature: null,
      };
    }
    const rise = effects.restingHrRiseBpm;
    const averageMs = round1(
      Math.max(8, user.heartRateVariabilityMs * (1 - 0.025 * rise) + random.normal(0, 4)),
    );
    const average = round1(
      clamp(effects.spo2Average ?? user.oxygenSaturation + random.normal(0, 0.5), 80, 99.5),
    );
    return {
      restingHeartRate,
      calculatedWithSleep: true,
      heartRateVariability: {
        averageMs,
        deepSleepRmssdMs: round1(averageMs * random.between(1.05, 1.25)),
        nonRemBpm: restingHeartRate - 3,
      },
      oxygenSaturation: {
        average,
        lower: round1(average - random.between(1.5, 3.5)),
        upper: round1(Math.min(100, average + random.between(0.8, 2))),
        standardDeviation: round1(random.between(0.6, 1.6)),
      },
      breathsPerMinute: round1(
        user.breathsPerMinute +
          (effects.spo2Average !== null ? 2 : 0) +
          1.2 * effects.illness +
          random.normal(0, 0.6),
      ),
      skinTemperature: {
        nightlyC: round2(
          user.skinTemperatureBaselineC + 0.4 * effects.illness + random.normal(0, 0.25),
        ),
        baselineC: user.skinTemperatureBaselineC,
        relativeStddev30dC: round2(random.between(0.1, 0.35)),
      },
    };
  }

  private weighIns(
    random: Random,
    user: SimulatedUser,
    effects: ScenarioEffects,
    date: string,
    wakeMs: number,
  ): WeighIn[] {
    if (!effects.dailyWeighIn && !(user.ownsScale && random.chance(user.weighInProbability)))
      return [];
    // A slow drift of up to 1 kg over half a year, the weekly rhythm (heaviest
    // after the weekend, lightest on Friday: Orsama 2014, about 0.35% of body
    // weight) and day-to-day water and food noise (SD 0.45%, so a third of
    // day-to-day changes reach 0.5 kg).
    const dayNumber = Date.parse(`${date}T00:00:00Z`) / DAY_MS;
    const driftKg = Math.sin((2 * Math.PI * (dayNumber + user.index * 7)) / 180);
    const weeklyKg = (user.weightKg * WEEKLY_WEIGHT_PERCENT[weekday(date)]) / 100;
    const noiseKg = random.normal(0, user.weightKg * 0.0045);
    const grams = (user.weightKg + driftKg + weeklyKg + noiseKg) * 1000 + effects.weightGainGrams;
    return [
      {
        instantMs: wakeMs + random.int(10, 50) * MINUTE_MS,
        grams: Math.round(grams * 10) / 10,
        manual: !effects.dailyWeighIn && random.chance(0.1),
      },
    ];
  }
}
