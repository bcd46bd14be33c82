import { Inject, Injectable } from '@nestjs/common';
import { DailyAggregates } from '../aggregates/daily-aggregates.repository';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { addDays, localDateAt, localHourAt, type LocalDate } from '../time';
import { Environment } from '../config/environment';
import { JsonLogger } from '../logging/json-logger';
import { PatientSeries } from './facts/patient-series';
import {
  daysToLoad,
  evaluatePatientDay,
  metricsToLoad,
  RuleForPatient,
  RuleVersion,
  ruleVersion,
} from './evaluation/evaluate-patient';
import { evaluationDay } from './evaluation/local-day';
import { MonitoredPatient, MonitoredPatients } from './monitored-patients';
import { RuleOutcome } from './rule-outcome.entity';
import { OUTCOME_STEPS, type OutcomeSteps } from './outcome-steps';
import { RuleOutcomes } from './rule-outcomes.repository';
import { EvaluationsDueRepository, type ClaimedEvaluation } from './evaluations-due.repository';
import { parseParams, RuleStore } from './rule-store.repository';
import { errorKind } from '../database/errors';
import { RulesInForce, type RulesSnapshot } from './rules-in-force';
import { Transactions } from '../database/transactions';
import {
  PATIENT_EVALUATED,
  type PatientEvaluated,
  type PatientSynced,
  type RulesEvaluated,
} from '../events/contracts';
import { Metrics } from '../metrics/metrics';
import { groupBy } from '../grouping';

/** Patients whose series are loaded in one query. */
const PATIENTS_PER_QUERY = 500;
/** A sync re-evaluates changed days this recent only: older days have long been acted on. */
const SYNC_REEVALUATION_DAYS = 7;
const DAILY_LOCK = 'vigil_rules_daily';
const MISSED_LOCK = 'vigil_rules_missed';
/** Days written this recently may still be under their own evaluation: leave them to it. */
const MISSED_AFTER_MS = 60_000;
/** How long a newly connected patient's first sync has before the daily run judges empty days. */
const FIRST_SYNC_GRACE_MS = 24 * 3_600_000;
const NONE: Readonly<Record<string, number>> = Object.freeze({});

export interface EvaluationRun {
  patients: number;
  outcomes: number;
  /** Milliseconds loading series, computing facts and running rules, and storing outcomes. */
  loadMs: number;
  evaluateMs: number;
  storeMs: number;
  /** Announcements (`rules.patient-evaluated`) whose listeners failed; the outcomes are stored. */
  announceFailures: number;
}

/** The rules each program runs, at their versions in force. */
export interface RuleBook {
  forPatient(
    patient: MonitoredPatient,
    patientParams: Map<string, Record<string, number>>,
  ): RuleForPatient[];
}

/** A patient and the local dates to evaluate for them. */
export interface EvaluationRequest {
  patient: MonitoredPatient;
  dates: LocalDate[];
}

/**
 * Evaluates every enabled rule of a patient's program for given local dates,
 * stores one outcome per patient, rule and date (replacing an earlier one)
 * with each patient's alert step due (OutcomeSteps) in the same transaction,
 * then announces each patient's days on `rules.patient-evaluated`, which
 * steps them at once (a lost announcement leaves the step to a worker).
 */
@Injectable()
export class RuleEvaluations {
  /** Compiled rule versions, by `id@version`: versions never change, so neither do these. */
  private readonly compiled = new Map<string, RuleVersion>();
  /** The book built from the rules last read, kept while they stay the same. */
  private book: { snapshot: RulesSnapshot; book: RuleBook } | null = null;

  constructor(
    private readonly transactions: Transactions,
    private readonly store: RuleStore,
    private readonly rulesInForce: RulesInForce,
    private readonly outcomes: RuleOutcomes,
    private readonly aggregates: DailyAggregates,
    private readonly patients: MonitoredPatients,
    private readonly due: EvaluationsDueRepository,
    @Inject(OUTCOME_STEPS) private readonly steps: OutcomeSteps,
    private readonly events: EventEmitter2,
    private readonly env: Environment,
    private readonly logger: JsonLogger,
    private readonly metrics: Metrics,
  ) {}

  /**
   * The rule book as of now: rebuilt only when the rules or a program's
   * settings changed (in any process; see RulesInForce), else the one built
   * before, with its compiled rules.
   */
  async ruleBook(): Promise<RuleBook> {
    const snapshot = await this.rulesInForce.current();
    if (this.book?.snapshot !== snapshot) {
      this.book = { snapshot, book: this.bookOf(snapshot) };
    }
    return this.book.book;
  }

  private bookOf({ rules, settings }: RulesSnapshot): RuleBook {
    const versions = rules.map(({ rule, definition }) => {
      const key = `${rule.id}@${rule.currentVersion}`;
      let compiled = this.compiled.get(key);
      if (!compiled) {
        compiled = ruleVersion(rule.currentVersion, definition);
        this.compiled.set(key, compiled);
      }
      return { rule, compiled };
    });
    const setting = new Map(
      settings.map((s) => [
        `${s.ruleId}\n${s.program}`,
        { ...s, overrides: parseParams(s.params) },
      ]),
    );
    return {
      forPatient: (patient, patientParams) =>
        versions.flatMap(({ rule, compiled }) => {
          const program =
            patient.program === null ? undefined : setting.get(`${rule.id}\n${patient.program}`);
          const enabled = program?.enabled ?? rule.origin === 'file';
          if (!enabled) return [];
          const overrides = [program?.overrides ?? NONE, patientParams.get(rule.id) ?? NONE];
          return [{ rule: compiled, overrides }];
        }),
    };
  }

  /** Evaluates the requests, many patients per query. */
  async evaluate(requests: readonly EvaluationRequest[], book?: RuleBook): Promise<EvaluationRun> {
    const started = performance.now();
    const rules = book ?? (await this.ruleBook());
    const run = emptyRun();
    for (let i = 0; i < requests.length; i += PATIENTS_PER_QUERY) {
      await this.evaluateChunk(requests.slice(i, i + PATIENTS_PER_QUERY), rules, run);
    }
    this.metrics.evaluationFinished((performance.now() - started) / 1000);
    return run;
  }

  private async evaluateChunk(
    requests: readonly EvaluationRequest[],
    book: RuleBook,
    run: EvaluationRun,
  ): Promise<void> {
    let started = performance.now();
    const overrides = new Map<number, Map<string, Record<string, number>>>();
    for (const row of await this.store.patientParams(requests.map((r) => r.patient.pid))) {
      const pid = Number(row.pid);
      if (!overrides.has(pid)) overrides.set(pid, new Map());
      overrides.get(pid)?.set(row.ruleId, parseParams(row.params));
    }
    const planned = requests
      .filter((request) => request.dates.length > 0)
      .map((request) => ({
        ...request,
        rules: book.forPatient(request.patient, overrides.get(request.patient.pid) ?? new Map()),
      }))
      .filter((plan) => plan.rules.length > 0);
    if (planned.length === 0) return;
    const dates = planned.flatMap((plan) => plan.dates).sort();
    const reach = Math.max(...planned.map((plan) => daysToLoad(plan.rules)));
    const metrics = [...new Set(planned.flatMap((plan) => metricsToLoad(plan.rules)))];
    const series = await this.aggregates.metricSeries(
      planned.map((plan) => plan.patient.pid),
      addDays(dates[0], 1 - reach),
      dates[dates.length - 1],
      metrics,
    );
    run.loadMs += performance.now() - started;

    started = performance.now();
    const evaluated: RulesEvaluated[] = [];
    for (const { patient, dates: patientDates, rules } of planned) {
      const patientSeries = new PatientSeries(series.get(patient.pid) ?? [], patient);
      for (const date of [...new Set(patientDates)].sort()) {
        const day = evaluationDay(date, patient.timeZone);
        evaluated.push({
          pid: patient.pid,
          date,
          outcomes: await evaluatePatientDay(patientSeries, day, rules),
        });
      }
    }
    run.evaluateMs += performance.now() - started;

    started = performance.now();
    const evaluatedAt = new Date();
    const rows: Omit<RuleOutcome, 'id'>[] = evaluated.flatMap(({ pid, date, outcomes }) =>
      outcomes.map((outcome) => ({
        pid,
        ruleId: outcome.rule,
        ruleVersion: outcome.ruleVersion,
        date,
        result: outcome.result,
        facts: JSON.stringify(outcome.facts),
        message: outcome.message,
        evaluatedAt,
        alertsAppliedAt: null,
      })),
    );
    // One commit per batch of patients, not one per statement; their alert steps are due with it.
    const pids = [...new Set(rows.map((row) => row.pid))];
    await this.transactions.run(async (tx) => {
      await this.outcomes.upsert(rows, tx);
      await this.steps.record(tx, pids, evaluatedAt);
    });
    run.storeMs += performance.now() - started;
    run.patients += planned.length;
    run.outcomes += rows.length;
    for (const pid of new Set(planned.map(({ patient }) => patient.pid))) {
      const days = evaluated.filter((event) => event.pid === pid);
      const event: PatientEvaluated = { pid, days };
      await this.announce(PATIENT_EVALUATED, event, `patient ${pid}`, run);
    }
  }

  /** One patient's alerts failing must not stop the others' from being raised. */
  private async announce(
    name: string,
    event: PatientEvaluated,
    what: string,
    run: EvaluationRun,
  ): Promise<void> {
    try {
      await this.events.emitAsync(name, event);
    } catch (error) {
      run.announceFailures += 1;
      this.logger.error(
        error instanceof Error ? error : new Error(String(error)),
        `Rules: ${name} for ${what}`,
      );
    }
  }

  /**
   * The daily run: each watched patient's last complete local day once the
   * patient's clock passed EVALUATION_HOUR (the day before until then), for
   * patients not yet evaluated for it, with any recent day a lost evaluation
   * left. Monitoring-gap rules fire this way even when no data arrives. On
   * MySQL one process runs it at a time.
   */
  async runDaily(now: Date = new Date()): Promise<EvaluationRun | null> {
    return this.transactions.withLock(DAILY_LOCK, 0, async () => {
      const watched = (await this.patients.activePatients()).filter(
        (patient) => !awaitingFirstSync(patient, now),
      );
      const due = groupBy(watched, (patient) => {
        const today = localDateAt(now, patient.timeZone);
        const passed = localHourAt(now, patient.timeZone) >= this.env.EVALUATION_HOUR;
        return addDays(today, passed ? -1 : -2);
      });
      const requests: EvaluationRequest[] = [];
      for (const [date, patients] of due) {
        for (let i = 0; i < patients.length; i += PATIENTS_PER_QUERY) {
          const chunk = patients.slice(i, i + PATIENTS_PER_QUERY);
          const done = await this.outcomes.evaluatedOn(
            chunk.map((p) => p.pid),
            date,
          );
          requests.push(
            ...chunk.filter((p) => !done.has(p.pid)).map((patient) => ({ patient, dates: [date] })),
          );
        }
      }
      return this.evaluate(await this.withUnevaluatedDays(requests, now));
    });
  }

  /**
   * Recovery of evaluations lost with their process: `patient.synced` lives in
   * memory, so a worker stopped between a sync's commit and its evaluation
   * leaves stored days nobody evaluated. A patient with such a day (complete,
   * recent, aggregates but no outcome) written over a minute ago has all of
   * those days evaluated as one run. Run at a worker's start and after the
   * daily run; on MySQL one process at a time.
   */
  async evaluateMissed(now: Date = new Date()): Promise<EvaluationRun | null> {
    return this.transactions.withLock(MISSED_LOCK, 0, async () => {
      const writtenBefore = now.getTime() - MISSED_AFTER_MS;
      const patients = await this.patients.activePatients();
      const requests: EvaluationRequest[] = [];
      // A slice of patients at a time: every patient has days without outcomes (today's,
      // at least), so the whole cohort's would be a spike of memory the size of the cohort.
      for (let i = 0; i < patients.length; i += PATIENTS_PER_QUERY) {
        const slice = patients.slice(i, i + PATIENTS_PER_QUERY);
        const missed = await this.unevaluatedDays(
          ...recentWindow(now),
          slice.map((patient) => patient.pid),
        );
        const byPid = groupBy(missed, (day) => day.pid);
        for (const patient of slice) {
          const own = byPid.get(patient.pid);
          if (own === undefined) continue;
          const dates = recentCompleteDays(
            own.map((day) => day.date),
            patient,
            now,
          );
          const left = own.some(
            (day) => dates.includes(day.date) && day.writtenAt.getTime() < writtenBefore,
          );
          if (left) requests.push({ patient, dates });
        }
      }
      return requests.length === 0 ? null : this.evaluate(requests);
    });
  }

  /**
   * After a sync: the changed days that are complete (before the patient's
   * today) and recent. Today is left to the daily run, so an alert never counts
   * half a day. Settles the patient's evaluation due.
   */
  async evaluateSynced(
    event: PatientSynced,
    now: Date = new Date(),
  ): Promise<EvaluationRun | null> {
    // The row the sync recorded, with any dates an evaluation lost before left in it.
    const due = await this.due.of(event.pid);
    if (event.dates.length === 0 && due === null) return null; // a sync that changed nothing
    const patient = event.patient ?? (await this.patients.patient(event.pid));
    const dates =
      patient === null
        ? []
        : recentCompleteDays([...new Set([...event.dates, ...(due?.dates ?? [])])], patient, now);
    const run =
      patient === null || dates.length === 0
        ? null
        : await this.evaluate(await this.withUnevaluatedDays([{ patient, dates }], now));
    if (due !== null) await this.due.settle(due);
    return run;
  }

  /**
   * Recovery of evaluations lost with their process: a sync records the days
   * it changed in its own transaction (evaluations_due) and the evaluation
   * removes them once its outcomes are stored. A row left a minute after its
   * last sync is claimed here from the leased queue (on MySQL, processes
   * claim different patients). Every minute on workers.
   */
  async evaluateDue(now: Date = new Date()): Promise<EvaluationRun | null> {
    const claimed = await this.due.claimDue(now, PATIENTS_PER_QUERY);
    if (claimed.length === 0) return null;
    const byPid = new Map(claimed.map((due) => [due.pid, due]));
    const requests = (await this.patients.watchedAmong([...byPid.keys()])).map((patient) => ({
      patient,
      dates: recentCompleteDays(byPid.get(patient.pid)!.dates, patient, now),
    }));
    let run: EvaluationRun;
    try {
      run = await this.evaluate(await this.withUnevaluatedDays(requests, now));
    } catch {
      // One patient's failing evaluation must not hold back the others': each alone.
      return this.evaluateEach(claimed, requests, now);
    }
    // Patients no longer watched, and days too old or not over, have nothing left to do.
    for (const due of claimed) await this.due.settle(due);
    return run;
  }

  /** Evaluates claimed patients one at a time; a failure is retried later or parked. */
  private async evaluateEach(
    claimed: readonly ClaimedEvaluation[],
    requests: readonly EvaluationRequest[],
    now: Date,
  ): Promise<EvaluationRun> {
    const total = emptyRun();
    for (const due of claimed) {
      const request = requests.find((r) => r.patient.pid === due.pid);
      try {
        if (request !== undefined) {
          addRun(total, await this.evaluate(await this.withUnevaluatedDays([request], now)));
        }
        await this.due.settle(due);
      } catch (error) {
        const reason = errorKind(error);
        const failure = await this.due.fail(due, now, reason);
        this.logger.warn(
          failure === 'parked'
            ? `Evaluation of patient ${due.pid} parked as failed after ${due.attempts} attempt(s): ${reason}`
            : `Evaluation of patient ${due.pid} failed, attempt ${due.attempts}: ${reason}`,
          'Rules',
        );
      }
    }
    return total;
  }

  /**
   * Patient-days from `from` to `to` that have daily aggregates and no outcome
   * at all: days a sync stored whose evaluation never ran, with when they were
   * written. `pids` narrows to patients. Each table is read through its owner.
   */
  private async unevaluatedDays(
    from: LocalDate,
    to: LocalDate,
    pids?: readonly number[],
  ): Promise<{ pid: number; date: LocalDate; writtenAt: Date }[]> {
    const written = await this.aggregates.writtenDays(from, to, pids);
    if (written.length === 0) return [];
    // Outcomes after days: one stored meanwhile is not listed, one evaluated meanwhile is not either.
    const evaluated = await this.outcomes.evaluatedDays(from, to, pids);
    const done = new Set(evaluated.map(({ pid, date }) => `${pid} ${date}`));
    return written.filter(({ pid, date }) => !done.has(`${pid} ${date}`));
  }

  /**
   * Adds to each request the patient's recent complete days that have
   * aggregates and no outcome (an evaluation lost with its process), so a
   * patient's days are stepped in date order in one run. The alert lifecycle
   * never steps back in time: older days left to a later run would be
   * skipped, and a message would quote another run's days.
   */
  private async withUnevaluatedDays(
    requests: readonly EvaluationRequest[],
    now: Date,
  ): Promise<EvaluationRequest[]> {
    const days: { pid: number; date: LocalDate }[] = [];
    for (let i = 0; i < requests.length; i += PATIENTS_PER_QUERY)
      days.push(
        ...(await this.unevaluatedDays(
          ...recentWindow(now),
          requests.slice(i, i + PATIENTS_PER_QUERY).map((r) => r.patient.pid),
        )),
      );
    const unevaluated = groupBy(days, (day) => day.pid);
    return requests.map(({ patient, dates }) => ({
      patient,
      dates: [
        ...new Set([
          ...dates,
          ...recentCompleteDays(
            (unevaluated.get(patient.pid) ?? []).map((day) => day.date),
            patient,
            now,
          ),
        ]),
      ].sort(),
    }));
  }
}

function emptyRun(): EvaluationRun {
  return { patients: 0, outcomes: 0, loadMs: 0, evaluateMs: 0, storeMs: 0, announceFailures: 0 };
}

function addRun(total: EvaluationRun, run: EvaluationRun): void {
  total.patients += run.patients;
  total.outcomes += run.outcomes;
  total.loadMs += run.loadMs;
  total.evaluateMs += run.evaluateMs;
  total.storeMs += run.storeMs;
  total.announceFailures += run.announceFailures;
}

/**
 * Consented within the day and not synced yet: the first sync's own evaluation
 * judges these days. Judged now, the empty days would raise a monitoring gap
 * on enrollment day. Past the grace, a first sync that keeps failing is a gap.
 */
function awaitingFirstSync(patient: MonitoredPatient, now: Date): boolean {
  const connectedAt = patient.connectedAt;
  return (
    patient.lastSyncAt === null &&
    connectedAt != null &&
    now.getTime() - connectedAt.getTime() < FIRST_SYNC_GRACE_MS
  );
}

/** UTC dates that hold every patient's recent days, whatever the zone. */
function recentWindow(now: Date): [from: LocalDate, to: LocalDate] {
  const utcToday = now.toISOString().slice(0, 10);
  return [addDays(utcToday, -SYNC_REEVALUATION_DAYS - 1), addDays(utcToday, 1)];
}

/** The days a sync or a recovery re-evaluates: complete (before the patient's today) and recent. */
function recentCompleteDays(
  dates: readonly LocalDate[],
  patient: MonitoredPatient,
  now: Date,
): LocalDate[] {
  const today = localDateAt(now, patient.timeZone);
  const oldest = addDays(today, -SYNC_REEVALUATION_DAYS);
  return dates.filter((date) => date < today && date >= oldest);
}
