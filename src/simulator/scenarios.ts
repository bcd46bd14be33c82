/** Scripted scenarios that bend one simulated user's data, from a start date onward. */
import { addDays, daysBetween, isLocalDate } from '../time';
import { illnessLoad } from './physiology';

/** The rise (bpm) of an illness counted as fully ill (`ScenarioEffects.illness` 1). */
const ILLNESS_FULL_BPM = 8;

export type Scenario =
  | { kind: 'resting-hr-rise'; from: string; bpmPerDay?: number; maxRiseBpm?: number }
  | { kind: 'sleep-deficit'; from: string; minutesLess?: number }
  | { kind: 'heart-failure-weight-gain'; from: string; gramsPerDay?: number }
  | { kind: 'activity-drop'; from: string; factor?: number }
  | { kind: 'low-spo2'; from: string; averagePercentage?: number }
  /**
   * A respiratory infection from `from` for `days` (7): resting heart rate
   * rises to `peakBpm` (6) above normal about a third of the way in and ebbs;
   * steps fall, sleep lengthens, HRV falls, breathing and skin temperature rise
   * with it. A default cohort draws its own (physiology.ts).
   */
  | { kind: 'illness'; from: string; days?: number; peakBpm?: number }
  /** The device stops syncing at `from` (RFC 3339 instant, or a date meaning its UTC midnight). */
  | { kind: 'stops-syncing'; from: string }
  /** The device syncs only every `lagDays` days, so past days appear late. */
  | { kind: 'syncs-late'; lagDays: number }
  /** Every sleep also appears as a mirrored Apple HealthKit copy. */
  | { kind: 'healthkit-sleep-duplicate' }
  /**
   * One stream sends nothing from `from` on (until `until`, exclusive, when
   * given) while the others carry on, as a real study export did (steps ended
   * a week before heart rate). Heart rate takes the provider's nightly
   * readings with it: they are computed from it.
   */
  | { kind: 'stream-stops'; stream: SimulatedStream; from: string; until?: string }
  /** One stream sends nothing before `from`: a scale bought later, a watch first worn at night later. */
  | { kind: 'stream-starts'; stream: SimulatedStream; from: string }
  /** The tracker lists worn minutes without steps as intervals of 0 steps. */
  | { kind: 'zero-step-intervals' }
  /** Every `every`-th heart-rate sample and step interval is listed twice (reconcile and roll-ups drop the copy). */
  | { kind: 'duplicate-points'; every?: number }
  /** After a UTC offset change (DST, a flight) the tracker stamps the old offset for `hours` more. */
  | { kind: 'stale-offset'; hours?: number }
  /** The data recorded on `date` reaches Google only `lagDays` after that day ends. */
  | { kind: 'late-day'; date: string; lagDays?: number };

/** The streams a `stream-stops` scenario can end. */
export const SIMULATED_STREAMS = ['heart-rate', 'steps', 'sleep', 'weight'] as const;
export type SimulatedStream = (typeof SIMULATED_STREAMS)[number];

export type ScenarioKind = Scenario['kind'];

export const SCENARIO_KINDS: readonly ScenarioKind[] = [
  'resting-hr-rise',
  'sleep-deficit',
  'heart-failure-weight-gain',
  'activity-drop',
  'low-spo2',
  'illness',
  'stops-syncing',
  'syncs-late',
  'healthkit-sleep-duplicate',
  'stream-stops',
  'stream-starts',
  'zero-step-intervals',
  'duplicate-points',
  'stale-offset',
  'late-day',
];

export class ScenarioError extends Error {}

function optionalNumber(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ScenarioError(`${name} must be a finite number`);
  }
  return value;
}

function requiredDate(value: unknown, allowInstant = false, name = 'from'): string {
  if (
    typeof value !== 'string' ||
    !(isLocalDate(value) || (allowInstant && !Number.isNaN(Date.parse(value))))
  ) {
    throw new ScenarioError(
      `${name} must be a date YYYY-MM-DD${allowInstant ? ' or an RFC 3339 instant' : ''}`,
    );
  }
  return value;
}

function streamOf(value: unknown): SimulatedStream {
  const stream = SIMULATED_STREAMS.find((name) => name === value);
  if (stream === undefined)
    throw new ScenarioError(`stream must be one of ${SIMULATED_STREAMS.join(', ')}`);
  return stream;
}

/** Validates a scenario received as JSON (admin endpoint). */
export function parseScenario(input: unknown): Scenario {
  if (typeof input !== 'object' || input === null)
    throw new ScenarioError('scenario must be an object');
  const raw = input as Record<string, unknown>;
  switch (raw.kind) {
    case 'resting-hr-rise':
      return {
        kind: raw.kind,
        from: requiredDate(raw.from),
        bpmPerDay: optionalNumber(raw.bpmPerDay, 'bpmPerDay'),
        maxRiseBpm: optionalNumber(raw.maxRiseBpm, 'maxRiseBpm'),
      };
    case 'sleep-deficit':
      return {
        kind: raw.kind,
        from: requiredDate(raw.from),
        minutesLess: optionalNumber(raw.minutesLess, 'minutesLess'),
      };
    case 'heart-failure-weight-gain':
      return {
        kind: raw.kind,
        from: requiredDate(raw.from),
        gramsPerDay: optionalNumber(raw.gramsPerDay, 'gramsPerDay'),
      };
    case 'activity-drop':
      return {
        kind: raw.kind,
        from: requiredDate(raw.from),
        factor: optionalNumber(raw.factor, 'factor'),
      };
    case 'low-spo2':
      return {
        kind: raw.kind,
        from: requiredDate(raw.from),
        averagePercentage: optionalNumber(raw.averagePercentage, 'averagePercentage'),
      };
    case 'illness': {
      const days = optionalNumber(raw.days, 'days');
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 60))
        throw new ScenarioError('days must be a whole number from 1 to 60');
      const peakBpm = optionalNumber(raw.peakBpm, 'peakBpm');
      if (peakBpm !== undefined && (peakBpm < 0 || peakBpm > 40))
        throw new ScenarioError('peakBpm must be from 0 to 40');
      return { kind: raw.kind, from: requiredDate(raw.from), days, peakBpm };
    }
    case 'stops-syncing':
      return { kind: raw.kind, from: requiredDate(raw.from, true) };
    case 'syncs-late': {
      const lagDays = optionalNumber(raw.lagDays, 'lagDays');
      if (lagDays === undefined || lagDays <= 0)
        throw new ScenarioError('lagDays must be a positive number');
      return { kind: raw.kind, lagDays };
    }
    case 'healthkit-sleep-duplicate':
      return { kind: raw.kind };
    case 'stream-stops': {
      const from = requiredDate(raw.from);
      if (raw.until === undefined) return { kind: raw.kind, stream: streamOf(raw.stream), from };
      const until = requiredDate(raw.until, false, 'until');
      if (until <= from) throw new ScenarioError('until must be after from');
      return { kind: raw.kind, stream: streamOf(raw.stream), from, until };
    }
    case 'stream-starts':
      return { kind: raw.kind, stream: streamOf(raw.stream), from: requiredDate(raw.from) };
    case 'zero-step-intervals':
      return { kind: raw.kind };
    case 'duplicate-points': {
      const every = optionalNumber(raw.every, 'every');
      if (every !== undefined && (!Number.isInteger(every) || every < 1))
        throw new ScenarioError('every must be a positive whole number');
      return { kind: raw.kind, every };
    }
    case 'stale-offset': {
      const hours = optionalNumber(raw.hours, 'hours');
      if (hours !== undefined && (hours <= 0 || hours > 48))
        throw new ScenarioError('hours must be above 0 and at most 48');
      return { kind: raw.kind, hours };
    }
    case 'late-day': {
      const lagDays = optionalNumber(raw.lagDays, 'lagDays');
      if (lagDays !== undefined && (!Number.isInteger(lagDays) || lagDays < 1))
        throw new ScenarioError('lagDays must be a positive whole number');
      return { kind: raw.kind, date: requiredDate(raw.date, false, 'date'), lagDays };
    }
    default:
      throw new ScenarioError(`kind must be one of ${SCENARIO_KINDS.join(', ')}`);
  }
}

/** Resolved per-day effects of a user's scenarios. */
export interface ScenarioEffects {
  restingHrRiseBpm: number;
  sleepMinutesLess: number;
  weightGainGrams: number;
  /** Forces a weigh-in every day (heart-failure programmes weigh daily). */
  dailyWeighIn: boolean;
  activityFactor: number;
  /** How ill the user is today: 0 well, about 1 at the peak of a flu-like illness. */
  illness: number;
  spo2Average: number | null;
  healthKitSleepDuplicate: boolean;
  /** Streams that send nothing this day. */
  stoppedStreams: SimulatedStream[];
  zeroStepIntervals: boolean;
  /** Every n-th minute point listed twice; 0 = none. */
  duplicateEvery: number;
  /** Hours the tracker keeps the old offset after an offset change; 0 = none. */
  staleOffsetHours: number;
  /** Days after its end that this day's data reaches Google; 0 = as it syncs. */
  lateDays: number;
}

export function scenarioEffects(scenarios: readonly Scenario[], date: string): ScenarioEffects {
  const effects: ScenarioEffects = {
    restingHrRiseBpm: 0,
    sleepMinutesLess: 0,
    weightGainGrams: 0,
    dailyWeighIn: false,
    activityFactor: 1,
    illness: 0,
    spo2Average: null,
    healthKitSleepDuplicate: false,
    stoppedStreams: [],
    zeroStepIntervals: false,
    duplicateEvery: 0,
    staleOffsetHours: 0,
    lateDays: 0,
  };
  for (const scenario of scenarios) {
    switch (scenario.kind) {
      case 'stops-syncing':
      case 'syncs-late':
        continue;
      case 'healthkit-sleep-duplicate':
        effects.healthKitSleepDuplicate = true;
        continue;
      case 'zero-step-intervals':
        effects.zeroStepIntervals = true;
        continue;
      case 'duplicate-points':
        effects.duplicateEvery = scenario.every ?? 50;
        continue;
      case 'stale-offset':
        effects.staleOffsetHours = scenario.hours ?? 3;
        continue;
      case 'late-day':
        if (scenario.date === date) effects.lateDays = scenario.lagDays ?? 2;
        continue;
      case 'stream-starts':
        if (date < scenario.from) effects.stoppedStreams.push(scenario.stream);
        continue;
      case 'stream-stops':
        if (date >= scenario.from && (scenario.until === undefined || date < scenario.until))
          effects.stoppedStreams.push(scenario.stream);
        continue;
    }
    if (date < scenario.from) continue;
    const elapsedDays = daysBetween(scenario.from, date) + 1;
    switch (scenario.kind) {
      case 'resting-hr-rise':
        effects.restingHrRiseBpm += Math.min(
          scenario.maxRiseBpm ?? 12,
          (scenario.bpmPerDay ?? 1) * elapsedDays,
        );
        break;
      case 'sleep-deficit':
        effects.sleepMinutesLess = scenario.minutesLess ?? 120;
        break;
      case 'heart-failure-weight-gain':
        effects.weightGainGrams = (scenario.gramsPerDay ?? 700) * elapsedDays;
        effects.dailyWeighIn = true;
        break;
      case 'activity-drop':
        effects.activityFactor = scenario.factor ?? 0.3;
        break;
      case 'low-spo2':
        effects.spo2Average = scenario.averagePercentage ?? 88;
        break;
      case 'illness': {
        const peakBpm = scenario.peakBpm ?? 6;
        const load = illnessLoad(scenario.days ?? 7, elapsedDays - 1);
        effects.restingHrRiseBpm += peakBpm * load;
        effects.illness = Math.max(effects.illness, (load * peakBpm) / ILLNESS_FULL_BPM);
        break;
      }
    }
  }
  if (effects.illness > 0) effects.activityFactor *= Math.max(0.35, 1 - 0.5 * effects.illness);
  return effects;
}

/**
 * One scenario per user for the demo: `sim-2`.. `sim-9`, dated relative to `today`
 * so the effects show in the last days whatever day the demo runs.
 */
export function demoScenarios(today: string): Record<string, Scenario[]> {
  const daysAgo = (days: number): string => addDays(today, -days);
  return {
    'sim-2': [{ kind: 'resting-hr-rise', from: daysAgo(10) }],
    'sim-3': [{ kind: 'sleep-deficit', from: daysAgo(7) }],
    // Steep enough to stand out of a day's water and food noise (SD ~0.5 kg)
    // and a low stepper's workouts, so the demo shows each rule firing.
    'sim-4': [{ kind: 'heart-failure-weight-gain', from: daysAgo(6), gramsPerDay: 1000 }],
    'sim-5': [{ kind: 'activity-drop', from: daysAgo(8), factor: 0.2 }],
    'sim-6': [{ kind: 'low-spo2', from: daysAgo(4) }],
    'sim-7': [{ kind: 'stops-syncing', from: daysAgo(3) }],
    'sim-8': [{ kind: 'syncs-late', lagDays: 3 }],
    'sim-9': [{ kind: 'healthkit-sleep-duplicate' }],
  };
}
