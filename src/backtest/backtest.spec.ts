import { streamsRead } from '../rules/engine/fact-uses';
import fc from 'fast-check';
import { join } from 'node:path';
import { buildDays } from '../../test/fixtures/rules/build-days';
import { Alert } from '../alerts/lifecycle';
import { addDays } from '../time';
import { stepPatientDay } from '../alerts/patient-day';
import { PatientSeries } from '../rules/facts/patient-series';
import {
  daysToLoad,
  evaluatePatientDay,
  RuleForPatient,
  ruleVersion,
} from '../rules/evaluation/evaluate-patient';
import { evaluationDay } from '../rules/evaluation/local-day';
import { loadRuleDirectory } from '../rules/loader/load-rule-directory';
import { RuleDefinition } from '../rules/rule-definition';
import { backtestRule, BacktestPatient } from './backtest';

const STARTER = new Map(
  loadRuleDirectory(join(__dirname, '../../rules')).rules.map((rule) => [rule.id, rule]),
);
const starter = (id: string): RuleDefinition => {
  const rule = STARTER.get(id);
  if (!rule) throw new Error(`No starter rule ${id}`);
  return rule;
};

const START = '2026-01-01';
const LENGTH = 70;
/** The backtest covers the last 30 days; the 40 before feed the baselines. */
const FROM = addDays(START, 40);
const TO = addDays(START, LENGTH - 1);

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { freq: 5 });
const day = fc.record({
  restingHrProvider: maybe(fc.integer({ min: 55, max: 70 })),
  steps: maybe(fc.integer({ min: 0, max: 12000 })),
  sleepAsleepMinutes: maybe(fc.integer({ min: 240, max: 540 })),
  spo2Average: maybe(fc.integer({ min: 88, max: 99 })),
  wearMinutes: maybe(fc.integer({ min: 0, max: 1440 })),
});

interface LiveEpisode {
  start: string;
  firedOn: string | null;
  notifiedOn: string | null;
  end: string | null;
}

/**
 * What the live service would do: each day, load only the days the rules read,
 * evaluate, and step every rule's stored alert (inhibitors first).
 */
async function liveEpisodes(
  days: ReturnType<typeof buildDays>,
  sync: { lastSyncAt: Date | null; lastDeviceSyncAt: Date | null },
  rules: RuleForPatient[],
  ruleId: string,
): Promise<LiveEpisode[]> {
  const reach = daysToLoad(rules);
  const definitions = new Map(rules.map(({ rule }) => [rule.definition.id, rule.definition]));
  const alerts = new Map<string, Alert | null>();
  const episodes = new Map<string, LiveEpisode>();
  for (let date = FROM; date <= TO; date = addDays(date, 1)) {
    const oldest = addDays(date, 1 - reach);
    const loaded = days.filter((d) => d.date >= oldest && d.date <= date);
    const outcomes = await evaluatePatientDay(
      new PatientSeries(loaded, sync),
      evaluationDay(date, 'UTC'),
      rules,
    );
    const steps = stepPatientDay(
      date,
      outcomes.map((outcome) => {
        const rule = definitions.get(outcome.rule) as RuleDefinition;
        return {
          rule,
          outcome: outcome.result,
          alert: alerts.get(outcome.rule) ?? null,
          // As the alert service steps them: the gap holds back rules reading its streams.
          facts: outcome.facts,
          streams: streamsRead(rule),
        };
      }),
    );
    for (const [id, step] of steps) {
      alerts.set(id, step.alert);
      if (id !== ruleId || step.alert === null) continue;
      const episode = episodes.get(step.alert.episodeStart) ?? {
        start: step.alert.episodeStart,
        firedOn: null,
        notifiedOn: null,
        end: null,
      };
      episode.firedOn = step.alert.firedOn;
      episode.end = step.alert.resolvedOn;
      episode.notifiedOn ??= step.notices.find((notice) => notice.kind === 'fire')?.date ?? null;
      episodes.set(step.alert.episodeStart, episode);
    }
  }
  return [...episodes.values()].filter((episode) => episode.firedOn !== null);
}

describe('backtestRule', () => {
  it('equals evaluating and stepping the live alert state machine day by day', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(day, { minLength: LENGTH, maxLength: LENGTH }),
        fc.constantFrom(
          'resting-hr-rise',
          'activity-drop',
          'sleep-deficit',
          'low-oxygen-saturation',
        ),
        fc.record({
          forDays: fc.integer({ min: 1, max: 3 }),
          resolveAfterDays: fc.integer({ min: 1, max: 3 }),
        }),
        fc.option(fc.integer({ min: 0, max: LENGTH - 1 }), { freq: 3 }),
        async (values, ruleId, timing, lastSyncDay) => {
          const days = buildDays(START, {
            restingHrProvider: values.map((v) => v.restingHrProvider),
            steps: values.map((v) => v.steps),
            sleepAsleepMinutes: values.map((v) => v.sleepAsleepMinutes),
            spo2Average: values.map((v) => v.spo2Average),
            wearMinutes: values.map((v) => v.wearMinutes),
          });
          const lastSync =
            lastSyncDay === null ? null : new Date(`${addDays(START, lastSyncDay)}T12:00:00Z`);
          const sync = { lastSyncAt: lastSync, lastDeviceSyncAt: lastSync };
          const rule = ruleVersion(3, { ...starter(ruleId), ...timing });
          const gap = ruleVersion(1, starter('monitoring-gap'));
          const patient: BacktestPatient = {
            pid: 7,
            timeZone: 'UTC',
            series: new PatientSeries(days, sync),
            overrides: () => [],
          };

          const report = await backtestRule(rule, [gap], [patient], FROM, TO);
          const live = await liveEpisodes(
            days,
            sync,
            [
              { rule: gap, overrides: [] },
              { rule, overrides: [] },
            ],
            ruleId,
          );
          expect(
            report.patients[0].episodes.map(({ start, firedOn, notifiedOn, end }) => ({
              start,
              firedOn,
              notifiedOn,
              end,
            })),
          ).toEqual(live);
        },
      ),
      { numRuns: 40, seed: 20260214 },
    );
  });

  it('summarises alert days per patient-month and the share of patients alerted', async () => {
    const quiet = buildDays(START, { restingHrProvider: Array(LENGTH).fill(60) });
    const rising = buildDays(START, {
      restingHrProvider: [...Array(LENGTH - 5).fill(60), 66, 66, 66, 66, 66],
    });
    const sync = { lastSyncAt: new Date(`${TO}T12:00:00Z`), lastDeviceSyncAt: null };
    const patient = (pid: number, days: typeof quiet): BacktestPatient => ({
      pid,
      timeZone: 'UTC',
      series: new PatientSeries(days, sync),
      overrides: () => [],
    });
    const report = await backtestRule(
      ruleVersion(1, starter('resting-hr-rise')),
      [],
      [patient(1, quiet), patient(2, rising)],
      FROM,
      TO,
    );
    expect(report.patients[1].episodes).toEqual([
      expect.objectContaining({
        start: addDays(TO, -3),
        firedOn: addDays(TO, -3),
        end: null,
        alertDays: 4,
        peak: expect.objectContaining({
          date: TO,
          facts: expect.objectContaining({ daysAboveBaseline: 5 }),
        }),
      }),
    ]);
    expect(report.summary).toMatchObject({
      patients: 2,
      patientsAlerted: 1,
      shareOfPatientsAlerted: 0.5,
      episodes: 1,
      alertDays: 4,
      conditionDays: 4,
      patientMonths: 2,
      alertDaysPerPatientMonth: 2,
      conditionDaysPerPatientMonth: 2,
    });
  });

  it('counts condition days and alert days apart: an alert whose data stopped is stale, not an alert day', async () => {
    // Resting HR rises for the last 12 days of the range, but the watch stops
    // syncing heart rate for the last 8 of them: 4 condition days, and the
    // alert goes stale on the 3rd day without data.
    const hr = [...Array(LENGTH - 12).fill(60), 66, 66, 66, 66, ...Array(8).fill(null)];
    const days = buildDays(START, { restingHrProvider: hr });
    const sync = { lastSyncAt: new Date(`${TO}T12:00:00Z`), lastDeviceSyncAt: null };
    const report = await backtestRule(
      ruleVersion(1, starter('resting-hr-rise')),
      [],
      [{ pid: 1, timeZone: 'UTC', series: new PatientSeries(days, sync), overrides: () => [] }],
      FROM,
      TO,
    );
    // Streak of 2 reached on the 2nd high day: firing on high days 2-4 (3 alert days).
    expect(report.patients[0]).toMatchObject({ conditionDays: 3, alertDays: 3 });
    expect(report.patients[0].episodes).toEqual([
      expect.objectContaining({ firedOn: addDays(TO, -10), end: null, alertDays: 3 }),
    ]);
  });

  it("counts patient-months from each patient's first day of data", async () => {
    // One patient with data from the start, one whose data begins 15 days before the end.
    const sync = { lastSyncAt: new Date(`${TO}T12:00:00Z`), lastDeviceSyncAt: null };
    const early = buildDays(START, { restingHrProvider: Array(LENGTH).fill(60) });
    const late = buildDays(START, {
      restingHrProvider: [...Array(LENGTH - 15).fill(null), ...Array(15).fill(60)],
    });
    const report = await backtestRule(
      ruleVersion(1, starter('resting-hr-rise')),
      [],
      [
        { pid: 1, timeZone: 'UTC', series: new PatientSeries(early, sync), overrides: () => [] },
        { pid: 2, timeZone: 'UTC', series: new PatientSeries(late, sync), overrides: () => [] },
      ],
      FROM,
      TO,
    );
    expect(report.patients.map((p) => p.dataDays)).toEqual([30, 15]);
    expect(report.summary.patientMonths).toBe(1.5);
  });
});
