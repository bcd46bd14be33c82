import { join } from 'node:path';
import { buildDays } from '../../../test/fixtures/rules/build-days';
import { RuleEvaluator } from '../engine/rule-evaluator';
import { loadRuleDirectory } from '../loader/load-rule-directory';
import { PatientSeries } from './patient-series';
import { streamsRead } from '../engine/fact-uses';
import { METRIC_NAMES } from '../../aggregates/daily-aggregate';
import { DATA_TYPE_IDS } from '../../wearables/google-health/data-types';
import {
  daysWithData,
  describeStreams,
  STREAM_OF_DATA_TYPE,
  STREAMS,
  streamsInGap,
  streamsOfMetric,
  streamStates,
} from './streams';

const START = '2026-10-01';
const DAYS = 50;
const LAST = '2026-11-19';
const starter = new Map(
  loadRuleDirectory(join(__dirname, '../../../rules')).rules.map((rule) => [rule.id, rule]),
);
const sync = {
  lastSyncAt: new Date(`${LAST}T20:00:00Z`),
  lastDeviceSyncAt: new Date(`${LAST}T20:00:00Z`),
};

/** 50 days of 900 worn minutes and 6,000 steps; the step stream stops after `stepsUntil` days. */
function stepsStopAfter(stepsUntil: number): PatientSeries {
  return new PatientSeries(
    buildDays(START, {
      wearMinutes: Array(DAYS).fill(900),
      steps: Array.from({ length: DAYS }, (_, i) => (i < stepsUntil ? 6000 : null)),
    }),
    sync,
  );
}

const at = (series: PatientSeries) => ({
  series,
  day: series.indexOf(LAST),
  asOf: new Date(`${LAST}T23:59:59Z`),
});

describe('data streams', () => {
  it('names a regular stream that stopped and the ones still arriving', () => {
    const states = streamStates(at(stepsStopAfter(DAYS - 8)), { days: 3, lookbackDays: 28 });
    expect(states.filter((s) => s.stopped).map((s) => [s.name, s.lastDate])).toEqual([
      ['steps', '2026-11-11'],
    ]);
    expect(describeStreams(states)).toBe('steps stopped 2026-11-11; heart rate still arriving');
  });

  it('calls nothing stopped while every stream arrives, nor a stream that never arrived regularly', () => {
    expect(
      streamStates(at(stepsStopAfter(DAYS)), { days: 3, lookbackDays: 28 }).filter(
        (s) => s.stopped,
      ),
    ).toEqual([]);
    const rare = new PatientSeries(
      buildDays(START, {
        wearMinutes: Array(DAYS).fill(900),
        weightKg: Array.from({ length: DAYS }, (_, i) => (i % 7 === 0 && i < 40 ? 80 : null)),
      }),
      sync,
    );
    expect(streamStates(at(rare), { days: 3, lookbackDays: 28 }).some((s) => s.stopped)).toBe(
      false,
    );
  });

  it('counts a day with any stream as a day with data; heart rate from the wear threshold', () => {
    const series = new PatientSeries(
      buildDays(START, {
        wearMinutes: [...Array(DAYS - 3).fill(900), 100, 100, 100],
        steps: [...Array(DAYS - 3).fill(5000), null, 2000, null],
      }),
      sync,
    );
    expect(daysWithData(at(series), 3, 0, 600)).toBe(1);
    expect(daysWithData(at(series), 3, 0, 1)).toBe(3);
  });
});

describe('a step stream that stops while heart rate continues', () => {
  const series = stepsStopAfter(DAYS - 8);
  const day = { date: LAST, asOf: new Date(`${LAST}T23:59:59Z`) };

  it('raises no activity drop: unknown steps are not zero', async () => {
    const result = await new RuleEvaluator(starter.get('activity-drop')!).evaluate(series, day);
    expect(result.result).toBe('insufficient_data');
  });

  it('opens a monitoring gap whose message names the stream that stopped', async () => {
    const result = await new RuleEvaluator(starter.get('monitoring-gap')!).evaluate(series, day);
    expect(result.result).toBe('true');
    expect(result.facts).toMatchObject({ daysWorn: 3, streamsStopped: 1 });
    expect(result.message).toMatch(
      /^Monitoring gap: steps stopped 2026-11-11; heart rate still arriving\. /,
    );
  });

  it('puts only steps in the gap, so the gap holds back only the rules reading steps', async () => {
    const result = await new RuleEvaluator(starter.get('monitoring-gap')!).evaluate(series, day);
    expect(streamsInGap(result.facts)).toEqual(['steps']);
  });
});

describe('the streams in a monitoring gap', () => {
  const day = { date: LAST, asOf: new Date(`${LAST}T23:59:59Z`) };
  const gapOf = async (series: PatientSeries) =>
    streamsInGap(
      (await new RuleEvaluator(starter.get('monitoring-gap')!).evaluate(series, day)).facts,
    );

  it('are every stream when no recent day had data (heart rate worn too little counts as none)', async () => {
    const series = new PatientSeries(
      buildDays(START, {
        wearMinutes: [...Array(DAYS - 3).fill(900), 120, 90, null],
        steps: [...Array(DAYS - 3).fill(5000), null, null, null],
      }),
      sync,
    );
    expect(await gapOf(series)).toEqual(['heartRate', 'steps', 'sleep', 'weight']);
  });

  it('are none while every regular stream arrives', async () => {
    expect(await gapOf(stepsStopAfter(DAYS))).toEqual([]);
  });

  it('are said only by a rule that watches the streams', async () => {
    const result = await new RuleEvaluator(starter.get('resting-hr-rise')!).evaluate(
      stepsStopAfter(DAYS),
      day,
    );
    expect(streamsInGap(result.facts)).toBeNull();
  });
});

describe('the streams each starter rule reads', () => {
  it('follow its metrics: the nightly readings come from the wrist, so from heart rate', () => {
    expect(
      Object.fromEntries([...starter.values()].map((rule) => [rule.id, streamsRead(rule)])),
    ).toEqual({
      'activity-drop': ['steps'],
      'heart-failure-weight-gain': ['weight'],
      'hrv-drop': ['heartRate'],
      'low-oxygen-saturation': ['heartRate'],
      'monitoring-gap': ['heartRate', 'steps', 'sleep', 'weight'],
      'resting-hr-rise': ['heartRate'],
      'sleep-deficit': ['sleep'],
    });
  });
});

describe('the streams of each metric, derived from the data types it is computed from', () => {
  it('give every data type a stream and every metric at least one', () => {
    const keys: readonly string[] = STREAMS.map((stream) => stream.key);
    for (const type of DATA_TYPE_IDS)
      expect([type, keys.includes(STREAM_OF_DATA_TYPE[type])]).toEqual([type, true]);
    for (const metric of METRIC_NAMES)
      expect([metric, streamsOfMetric(metric).length > 0]).toEqual([metric, true]);
  });

  it('count only the types a metric cannot do without: steps need steps, the resting estimate known steps', () => {
    expect(streamsOfMetric('steps')).toEqual(['steps']);
    expect(streamsOfMetric('activeMinutes')).toEqual(['steps']);
    expect(streamsOfMetric('restingHrEstimate')).toEqual(['heartRate', 'steps']);
    expect(streamsOfMetric('spo2Lower')).toEqual(['heartRate']);
    expect(streamsOfMetric('sleepEfficiency')).toEqual(['sleep']);
    expect(streamsOfMetric('weightKg')).toEqual(['weight']);
  });
});
