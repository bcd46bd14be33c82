import { Injectable, NotFoundException } from '@nestjs/common';
import { addDays, daysBetween, isLocalDate, localDateAt, type LocalDate } from '../time';
import { InvalidInputException } from '../http/problem.filter';
import {
  backtestRule,
  BacktestPatient,
  BacktestReport,
  MAX_BACKTEST_DAYS,
  PatientBacktest,
  summariseBacktest,
} from './backtest';
import { PatientSeries } from '../rules/facts/patient-series';
import {
  daysToLoad,
  metricsToLoad,
  RuleVersion,
  ruleVersion,
} from '../rules/evaluation/evaluate-patient';
import { DailyAggregates } from '../aggregates/daily-aggregates.repository';
import { MonitoredPatient, MonitoredPatients } from '../rules/monitored-patients';
import { parseParams, RuleStore } from '../rules/rule-store.repository';
import { validateRule } from '../rules/validation/validate-rule';

const PATIENTS_PER_QUERY = 500;

export interface BacktestRequest {
  ruleId: string;
  /** A draft of the rule to try instead of its version in force. */
  draft?: unknown;
  pid?: number;
  program?: string;
  from: LocalDate;
  to: LocalDate;
}

export interface BacktestResult extends BacktestReport {
  rule: { id: string; version: number | null; draft: boolean };
  /**
   * The first day of the range that is still being measured: the earliest
   * "today" among the patients' time zones, when the range reaches it; null
   * when every day of the range is complete. Its outcomes read a partial day.
   */
  partialFrom: LocalDate | null;
}

/** The earliest of the patients' local todays, if the range reaches it. */
export function partialFrom(
  patients: readonly Pick<MonitoredPatient, 'timeZone'>[],
  to: LocalDate,
  now: Date,
): LocalDate | null {
  const todays = patients.map((p) => localDateAt(now, p.timeZone)).sort();
  return todays.length > 0 && todays[0] <= to ? todays[0] : null;
}

function checkRange(from: string, to: string): void {
  const problems = [];
  for (const [path, date] of [
    ['from', from],
    ['to', to],
  ]) {
    if (!isLocalDate(date)) {
      problems.push({ path, message: `must be a date written YYYY-MM-DD, not "${date}"` });
    }
  }
  if (problems.length === 0 && to < from) {
    problems.push({ path: 'to', message: `must not be before from (${from})` });
  }
  if (problems.length === 0 && daysBetween(from, to) + 1 > MAX_BACKTEST_DAYS) {
    problems.push({
      path: 'to',
      message: `the range is ${daysBetween(from, to) + 1} days; a backtest covers at most ${MAX_BACKTEST_DAYS}`,
    });
  }
  if (problems.length > 0) throw new InvalidInputException(problems);
}

/** Backtests of saved or draft rules over stored history. Writes nothing. */
@Injectable()
export class RuleBacktests {
  constructor(
    private readonly store: RuleStore,
    private readonly aggregates: DailyAggregates,
    private readonly patients: MonitoredPatients,
  ) {}

  /** The clock deciding which day is today for each patient; tests set it. */
  now: () => Date = () => new Date();

  async run(request: BacktestRequest): Promise<BacktestResult> {
    checkRange(request.from, request.to);
    if ((request.pid === undefined) === (request.program === undefined)) {
      throw new InvalidInputException([
        { path: 'pid', message: 'give either pid (one patient) or program (its watched patients)' },
      ]);
    }
    const inForce = await this.store.rulesInForce();
    const saved = inForce.find(({ rule }) => rule.id === request.ruleId);
    let rule: RuleVersion;
    if (request.draft !== undefined) {
      const { rule: draft, errors } = validateRule(request.draft);
      if (!draft) {
        throw new InvalidInputException(
          errors.map((error) => ({ ...error, path: `$.rule${error.path.slice(1)}` })),
          'The draft rule is not valid',
        );
      }
      if (draft.id !== request.ruleId) {
        throw new InvalidInputException([
          {
            path: '$.rule.id',
            message: `is "${draft.id}" but the address names rule "${request.ruleId}"`,
          },
        ]);
      }
      rule = ruleVersion(0, draft);
    } else if (saved) {
      rule = ruleVersion(saved.rule.currentVersion, saved.definition);
    } else {
      throw new NotFoundException(
        `No rule with id ${request.ruleId}; send a draft to try a new rule`,
      );
    }
    const inhibitors = inForce
      .filter(
        ({ rule: r }) => rule.definition.inhibitedBy.includes(r.id) && r.id !== request.ruleId,
      )
      .map(({ rule: r, definition }) => ruleVersion(r.currentVersion, definition));

    const patients = await this.cohort(request);
    const results: PatientBacktest[] = [];
    for (let i = 0; i < patients.length; i += PATIENTS_PER_QUERY) {
      const report = await this.chunk(
        rule,
        inhibitors,
        patients.slice(i, i + PATIENTS_PER_QUERY),
        request,
      );
      results.push(...report.patients);
    }
    const days = daysBetween(request.from, request.to) + 1;
    return {
      rule: {
        id: request.ruleId,
        version: request.draft === undefined ? rule.version : null,
        draft: request.draft !== undefined,
      },
      from: request.from,
      to: request.to,
      days,
      partialFrom: partialFrom(patients, request.to, this.now()),
      summary: summariseBacktest(results),
      patients: results,
    };
  }

  /** The patients to replay; a pid or program nobody is monitored under is a typo, not "0 alerted". */
  private async cohort(request: BacktestRequest): Promise<MonitoredPatient[]> {
    if (request.pid !== undefined) {
      const found = await this.patients.patient(request.pid);
      if (found === null)
        throw new NotFoundException(
          `Vigil does not monitor patient ${request.pid}: there is no enrollment to backtest`,
        );
      return [found];
    }
    const watched = await this.patients.activePatients();
    const inProgram = watched.filter((p) => p.program === request.program);
    if (inProgram.length === 0) {
      const programs = [...new Set(watched.map((p) => p.program).filter((p) => p !== null))];
      throw new NotFoundException(
        `No watched patient is in program "${request.program}"; ${
          programs.length === 0
            ? 'no patient is in any program'
            : `programs watched: ${programs.sort().join(', ')}`
        }`,
      );
    }
    return inProgram;
  }

  private async chunk(
    rule: RuleVersion,
    inhibitors: RuleVersion[],
    patients: MonitoredPatient[],
    request: BacktestRequest,
  ): Promise<BacktestReport> {
    const rules = [rule, ...inhibitors];
    const ids = rules.map((r) => r.definition.id);
    const programs = await this.store.programSettings(ids);
    const patientParams = await this.store.patientParams(patients.map((p) => p.pid));
    const overrides = (patient: MonitoredPatient) => (ruleId: string) => [
      parseParams(
        programs.find((s) => s.ruleId === ruleId && s.program === patient.program)?.params ?? null,
      ),
      parseParams(
        patientParams.find((row) => Number(row.pid) === patient.pid && row.ruleId === ruleId)
          ?.params ?? null,
      ),
    ];
    const forPatients = patients.map((patient) =>
      rules.map((r) => ({ rule: r, overrides: overrides(patient)(r.definition.id) })),
    );
    const reach = Math.max(...forPatients.map(daysToLoad));
    const series = await this.aggregates.metricSeries(
      patients.map((p) => p.pid),
      addDays(request.from, 1 - reach),
      request.to,
      [...new Set(forPatients.flatMap(metricsToLoad))],
    );
    const firstData = await this.aggregates.firstDataDates(
      patients.map((p) => p.pid),
      request.from,
      request.to,
    );
    const cohort: BacktestPatient[] = patients.map((patient) => ({
      pid: patient.pid,
      timeZone: patient.timeZone,
      series: new PatientSeries(series.get(patient.pid) ?? [], patient),
      overrides: overrides(patient),
      firstDataDate: firstData.get(patient.pid) ?? null,
    }));
    return backtestRule(rule, inhibitors, cohort, request.from, request.to);
  }
}
