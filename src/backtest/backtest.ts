import { addDays, daysBetween, type LocalDate } from '../time';
import { stepAlert, type Alert, type AlertTiming } from '../alerts/lifecycle';
import { holdsBack } from '../alerts/patient-day';
import { streamsRead } from '../rules/engine/fact-uses';
import { replayEpisodes, type DailyOutcome } from './replay';
import { ParamOverrides } from '../rules/engine/rule-evaluator';
import { PatientSeries } from '../rules/facts/patient-series';
import { evaluationDay } from '../rules/evaluation/local-day';
import { RuleVersion } from '../rules/evaluation/evaluate-patient';
import { ConditionNode, OutcomeResult } from '../rules/rule-definition';

/** The longest range a backtest replays. */
export const MAX_BACKTEST_DAYS = 365;
const DAYS_PER_MONTH = 30;

export interface BacktestPatient {
  pid: number;
  timeZone: string;
  /** Days from before `from` (for baselines) through `to`, and the patient's sync status. */
  series: PatientSeries;
  /** The program's then the patient's param overrides of a rule. */
  overrides(ruleId: string): ParamOverrides[];
  /**
   * The patient's first day with any data (any metric); patient-months count
   * from it. When absent, the first day with a value in `series`.
   */
  firstDataDate?: LocalDate | null;
}

/** The facts of the most extreme true day of an episode. */
export interface EpisodePeak {
  date: LocalDate;
  facts: Record<string, number | null>;
}

export interface BacktestEpisode {
  /** First true day of the streak. */
  start: LocalDate;
  /** Day it reached `forDays`: the would-be alert. */
  firedOn: LocalDate;
  /** First day staff would have been told; null when inhibited throughout. */
  notifiedOn: LocalDate | null;
  /** Day it resolved; null when still open at the end of the range. */
  end: LocalDate | null;
  /** Alert days: days it was firing with data (not inhibited, not stale, not a no-data day). */
  alertDays: number;
  peak: EpisodePeak | null;
}

export interface PatientBacktest {
  pid: number;
  episodes: BacktestEpisode[];
  /** Days an alert was firing with data. */
  alertDays: number;
  /** Days the rule's conditions held (outcome true), alert or not. */
  conditionDays: number;
  /** Days of the range from the patient's first day of data; 0 without data. */
  dataDays: number;
  outcomeDays: Record<OutcomeResult, number>;
}

export interface BacktestSummary {
  patients: number;
  patientsAlerted: number;
  /** patientsAlerted / patients, 0-1. */
  shareOfPatientsAlerted: number;
  episodes: number;
  /** Episodes staff would have been told of (not inhibited throughout). */
  episodesNotified: number;
  alertDays: number;
  conditionDays: number;
  /** Each patient's days from their first day of data (within the range), summed, / 30. */
  patientMonths: number;
  alertDaysPerPatientMonth: number;
  conditionDaysPerPatientMonth: number;
  outcomeDays: Record<OutcomeResult, number>;
}

export interface BacktestReport {
  from: LocalDate;
  to: LocalDate;
  days: number;
  summary: BacktestSummary;
  patients: PatientBacktest[];
}

/** Which tested value shows how far from normal a day is, and which way is worse. */
interface PeakMeasure {
  key: string;
  higherIsWorse: boolean;
}

function peakMeasure(node: ConditionNode, path: string, negated: boolean): PeakMeasure | null {
  const children: [ConditionNode, string, boolean][] =
    'all' in node
      ? node.all.map((child, i) => [child, `${path}.all[${i}]`, negated])
      : 'any' in node
        ? node.any.map((child, i) => [child, `${path}.any[${i}]`, negated])
        : 'not' in node
          ? [[node.not, `${path}.not`, !negated]]
          : [];
  if (children.length > 0 || !('fact' in node)) {
    for (const [child, childPath, childNegated] of children) {
      const found = peakMeasure(child, childPath, childNegated);
      if (found) return found;
    }
    return null;
  }
  const higher = node.operator.startsWith('greaterThan');
  if (!higher && !node.operator.startsWith('lessThan')) return null;
  return { key: node.name ?? path, higherIsWorse: higher !== negated };
}

function moreExtreme(measure: PeakMeasure | null) {
  return (candidate: EpisodePeak, current: EpisodePeak): boolean => {
    if (!measure) return false;
    const a = candidate.facts[measure.key] ?? null;
    const b = current.facts[measure.key] ?? null;
    if (a === null) return false;
    if (b === null) return true;
    return measure.higherIsWorse ? a > b : a < b;
  };
}

function datesBetween(from: LocalDate, to: LocalDate): LocalDate[] {
  return Array.from({ length: daysBetween(from, to) + 1 }, (_, i) => addDays(from, i));
}

async function dailyOutcomes(
  rule: RuleVersion,
  patient: BacktestPatient,
  dates: readonly LocalDate[],
): Promise<DailyOutcome<EpisodePeak>[]> {
  const overrides = patient.overrides(rule.definition.id);
  const outcomes: DailyOutcome<EpisodePeak>[] = [];
  for (const date of dates) {
    const evaluation = await rule.evaluator.evaluate(
      patient.series,
      evaluationDay(date, patient.timeZone),
      ...overrides,
    );
    outcomes.push({ date, outcome: evaluation.result, values: { date, facts: evaluation.facts } });
  }
  return outcomes;
}

/**
 * Days on which an inhibitor would have held the rule back: it was firing
 * (fired, open and not stale) with a gap in a stream the rule reads
 * (`holdsBack`), judged after its own step that day as the live run does. An
 * inhibitor's own inhibition never changes whether it fires, so it is stepped
 * uninhibited.
 */
async function inhibitedDays(
  rule: RuleVersion,
  inhibitors: readonly RuleVersion[],
  patient: BacktestPatient,
  dates: readonly LocalDate[],
): Promise<Set<LocalDate>> {
  const days = new Set<LocalDate>();
  const streams = streamsRead(rule.definition);
  for (const inhibitor of inhibitors) {
    let alert: Alert | null = null;
    for (const day of await dailyOutcomes(inhibitor, patient, dates)) {
      alert = stepAlert(
        alert,
        { date: day.date, outcome: day.outcome, inhibited: false },
        inhibitor.definition,
      ).alert;
      if (holdsBack({ alert, facts: day.values?.facts }, streams)) days.add(day.date);
    }
  }
  return days;
}

/**
 * Replays one rule (saved or draft) day by day over each patient's history with
 * the live fact code and the live alert state machine (`replayEpisodes`), and
 * says which alerts it would have raised. Pure: it reads the given series only.
 * `inhibitors` are the rules named in the rule's `inhibitedBy` that exist.
 */
export async function backtestRule(
  rule: RuleVersion,
  inhibitors: readonly RuleVersion[],
  patients: readonly BacktestPatient[],
  from: LocalDate,
  to: LocalDate,
): Promise<BacktestReport> {
  const dates = datesBetween(from, to);
  const measure = peakMeasure(rule.definition.conditions, '$.conditions', false);
  const timing: AlertTiming = rule.definition;
  const results: PatientBacktest[] = [];
  for (const patient of patients) {
    const outcomes = await dailyOutcomes(rule, patient, dates);
    const inhibited = await inhibitedDays(rule, inhibitors, patient, dates);
    const replayed = replayEpisodes(
      outcomes.map((day) => ({ ...day, inhibited: inhibited.has(day.date) })),
      timing,
      { isMoreExtreme: moreExtreme(measure) },
    );
    const episodes = replayed.map((episode) => ({
      start: episode.start,
      firedOn: episode.firedOn,
      notifiedOn: episode.notifiedOn,
      end: episode.end,
      alertDays: episode.alertDays,
      peak: episode.peak ?? null,
    }));
    const outcomeDays: Record<OutcomeResult, number> = {
      true: 0,
      false: 0,
      insufficient_data: 0,
    };
    for (const day of outcomes) outcomeDays[day.outcome] += 1;
    const firstData =
      patient.firstDataDate === undefined
        ? patient.series.firstDateWithData()
        : patient.firstDataDate;
    results.push({
      pid: patient.pid,
      episodes,
      alertDays: episodes.reduce((sum, episode) => sum + episode.alertDays, 0),
      conditionDays: outcomeDays.true,
      dataDays:
        firstData === null || firstData > to
          ? 0
          : daysBetween(firstData > from ? firstData : from, to) + 1,
      outcomeDays,
    });
  }
  return {
    from,
    to,
    days: dates.length,
    summary: summariseBacktest(results),
    patients: results,
  };
}

const round = (value: number, decimals: number): number =>
  Math.round(value * 10 ** decimals) / 10 ** decimals;

/** Summary figures over patients' backtests. */
export function summariseBacktest(results: readonly PatientBacktest[]): BacktestSummary {
  const patients = results.length;
  const patientsAlerted = results.filter((patient) => patient.episodes.length > 0).length;
  const alertDays = results.reduce((sum, patient) => sum + patient.alertDays, 0);
  const episodes = results.flatMap((patient) => patient.episodes);
  const conditionDays = results.reduce((sum, patient) => sum + patient.conditionDays, 0);
  const patientMonths =
    results.reduce((sum, patient) => sum + patient.dataDays, 0) / DAYS_PER_MONTH;
  const perPatientMonth = (count: number): number =>
    patientMonths === 0 ? 0 : round(count / patientMonths, 2);
  const outcomeDays: Record<OutcomeResult, number> = { true: 0, false: 0, insufficient_data: 0 };
  for (const patient of results) {
    for (const [result, count] of Object.entries(patient.outcomeDays)) {
      outcomeDays[result as OutcomeResult] += count;
    }
  }
  return {
    patients,
    patientsAlerted,
    shareOfPatientsAlerted: patients === 0 ? 0 : round(patientsAlerted / patients, 3),
    episodes: episodes.length,
    episodesNotified: episodes.filter((episode) => episode.notifiedOn !== null).length,
    alertDays,
    conditionDays,
    patientMonths: round(patientMonths, 2),
    alertDaysPerPatientMonth: perPatientMonth(alertDays),
    conditionDaysPerPatientMonth: perPatientMonth(conditionDays),
    outcomeDays,
  };
}
