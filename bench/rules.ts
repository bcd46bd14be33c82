/**
 * Rule evaluation benchmark: 10,000 patients with 60 days of daily aggregates on
 * MariaDB, the starter library, one daily run (every patient's previous local
 * day), against a naive baseline that runs one query per fact.
 *
 *   npm run bench:rules
 *
 * BENCH_MYSQL_URL (default TEST_MYSQL_URL, else mysql://root@127.0.0.1:3306/)
 * names the server; the bench creates its own database and drops it.
 * BENCH_PATIENTS and BENCH_NAIVE_SAMPLE change the sizes.
 */
import { AlertStepsDue } from '../src/alerts/alert-steps-due.repository';
import { Transactions } from '../src/database/transactions';
import 'reflect-metadata';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { DailyAggregate, dayWithoutData, NumericMetric } from '../src/aggregates/daily-aggregate';
import { DailyAggregates } from '../src/aggregates/daily-aggregates.repository';
import { addDays } from '../src/time';
import { AuditTrail } from '../src/audit/audit-trail';
import { AuditEventRepository } from '../src/audit/audit-event.repository';
import { loadEnvironment } from '../src/config/environment';
import { KeyRing } from '../src/crypto/key-ring';
import { JsonLogger } from '../src/logging/json-logger';
import { dataSourceOptions } from '../src/database/data-source-options';
import { migrateDatabase } from '../src/database/migrate';
import { OpenEmrDatabase } from '../src/openemr/openemr-database';
import { OpenEmrDirectory } from '../src/openemr/openemr-directory';
import { daysRead, factUses, metricsOf } from '../src/rules/engine/fact-uses';
import { mergeParams } from '../src/rules/engine/rule-evaluator';
import { EvaluatedRule, evaluatePatientDay } from '../src/rules/evaluation/evaluate-patient';
import { evaluationDay } from '../src/rules/evaluation/local-day';
import { PatientSeries } from '../src/rules/facts/patient-series';
import { MonitoredPatient, MonitoredPatients } from '../src/rules/monitored-patients';
import { RuleOutcome } from '../src/rules/rule-outcome.entity';
import { EvaluationsDueRepository } from '../src/rules/evaluations-due.repository';
import { RuleOutcomes } from '../src/rules/rule-outcomes.repository';
import { RuleEvaluations } from '../src/rules/rule-evaluations.service';
import { RuleStore } from '../src/rules/rule-store.repository';
import { RulesInForce } from '../src/rules/rules-in-force';
import { RulesService } from '../src/rules/rules.service';
import { Metrics } from '../src/metrics/metrics';

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 10_000);
const NAIVE_SAMPLE = Math.min(PATIENTS, Number(process.env.BENCH_NAIVE_SAMPLE ?? 200));
const DAYS = 60;
/** The daily run evaluates this date: the last of the 60 stored days. */
const EVALUATED = '2026-11-27';
const FIRST = addDays(EVALUATED, 1 - DAYS);
const INSERT_ROWS = 1000;
const ZONES = ['America/New_York', 'America/Chicago', 'Europe/London', 'UTC'];

/** Deterministic numbers, so every run measures the same cohort. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COLUMNS = [
  'pid',
  'date',
  'resting_hr_provider',
  'wear_minutes',
  'steps',
  'sleep_asleep_minutes',
  'hrv_rmssd',
  'spo2_average',
  'weight_kg',
  'coverage',
  'updated_at',
];

/** One patient's 60 days: a personal baseline, noise, missing days, and some real changes. */
function patientDays(pid: number): unknown[][] {
  const random = prng(pid);
  const hr = 52 + random() * 22;
  const steps = 2000 + random() * 9000;
  const sleep = 330 + random() * 150;
  const hrv = 20 + random() * 45;
  const weight = 55 + random() * 55;
  const kind = random();
  const rows: unknown[][] = [];
  for (let i = 0; i < DAYS; i++) {
    if (random() < 0.06) continue;
    const recent = i >= DAYS - 5;
    const noise = () => random() * 2 - 1;
    rows.push([
      pid,
      addDays(FIRST, i),
      Math.round(hr + noise() * 3 + (kind < 0.05 && recent ? 6 : 0)),
      Math.round(kind > 0.97 && recent ? 200 : 600 + random() * 840),
      Math.round(steps * (1 + noise() * 0.3) * (kind > 0.9 && recent ? 0.3 : 1)),
      Math.round(sleep + noise() * 45),
      Math.round((hrv + noise() * 6) * 10) / 10,
      Math.round((kind > 0.05 && kind < 0.08 && recent ? 90 : 96) + noise() * 2),
      Math.round(
        (weight + noise() * 0.4 + (kind > 0.08 && kind < 0.1 && i === DAYS - 1 ? 2.5 : 0)) * 10,
      ) / 10,
      '{"heartRateSamples":0,"stepMinutes":0,"dataTypes":[]}',
      new Date(),
    ]);
  }
  return rows;
}

function cohort(): MonitoredPatient[] {
  return Array.from({ length: PATIENTS }, (_, i) => {
    const pid = i + 1;
    const silent = pid % 50 === 0;
    const synced = new Date(`${addDays(EVALUATED, silent ? -4 : 0)}T09:00:00Z`);
    return {
      pid,
      program: 'cardiac',
      timeZone: ZONES[pid % ZONES.length],
      lastSyncAt: synced,
      lastDeviceSyncAt: synced,
    };
  });
}

async function insertCohort(ds: DataSource): Promise<number> {
  let rows: unknown[][] = [];
  let inserted = 0;
  const flush = async () => {
    if (rows.length === 0) return;
    const placeholders = rows.map(() => `(${COLUMNS.map(() => '?').join(',')})`).join(',');
    await ds.query(
      `INSERT INTO daily_aggregates (${COLUMNS.join(',')}) VALUES ${placeholders}`,
      rows.flat(),
    );
    inserted += rows.length;
    rows = [];
  };
  for (let pid = 1; pid <= PATIENTS; pid++) {
    rows.push(...patientDays(pid));
    if (rows.length >= INSERT_ROWS) await flush();
  }
  await flush();
  return inserted;
}

const METRIC_COLUMNS: Record<NumericMetric, string> = {
  restingHrProvider: 'resting_hr_provider',
  restingHrEstimate: 'resting_hr_estimate',
  hrMean: 'hr_mean',
  hrMin: 'hr_min',
  hrMax: 'hr_max',
  wearMinutes: 'wear_minutes',
  steps: 'steps',
  activeMinutes: 'active_minutes',
  sleepAsleepMinutes: 'sleep_asleep_minutes',
  sleepInBedMinutes: 'sleep_in_bed_minutes',
  sleepEfficiency: 'sleep_efficiency',
  sleepDeepMinutes: 'sleep_deep_minutes',
  sleepLightMinutes: 'sleep_light_minutes',
  sleepRemMinutes: 'sleep_rem_minutes',
  sleepAwakeMinutes: 'sleep_awake_minutes',
  sleepTotalMinutes: 'sleep_total_minutes',
  hrvRmssd: 'hrv_rmssd',
  spo2Average: 'spo2_average',
  spo2Lower: 'spo2_lower',
  respiratoryRate: 'respiratory_rate',
  skinTempDeviation: 'skin_temp_deviation',
  weightKg: 'weight_kg',
};

/**
 * The naive way: every fact of every rule asks the database for its own days
 * (sync-age facts for the patient's latest day), then the rule runs over what
 * those queries returned. Same fact code and engine; only the loading differs.
 */
async function naiveEvaluation(
  ds: DataSource,
  evaluations: RuleEvaluations,
  patients: MonitoredPatient[],
): Promise<{ loadMs: number; evaluateMs: number; outcomes: Map<number, EvaluatedRule[]> }> {
  const book = await evaluations.ruleBook();
  const outcomes = new Map<number, EvaluatedRule[]>();
  let loadMs = 0;
  let evaluateMs = 0;
  for (const patient of patients) {
    const results: EvaluatedRule[] = [];
    for (const forPatient of book.forPatient(patient, new Map())) {
      const { definition } = forPatient.rule;
      const params = mergeParams(definition.params, ...forPatient.overrides);
      let started = performance.now();
      const days = new Map<string, DailyAggregate>();
      for (const use of factUses(definition, params)) {
        // The columns this one fact reads (a stream fact reads several), as the batched plan has them.
        const metrics = metricsOf(use);
        const rows: Record<string, number | string | null>[] =
          metrics.length > 0
            ? await ds.query(
                `SELECT date, ${metrics.map((m) => `${METRIC_COLUMNS[m]} AS ${m}`).join(', ')} FROM daily_aggregates WHERE pid = ? AND date BETWEEN ? AND ?`,
                [patient.pid, addDays(EVALUATED, 1 - daysRead(use)), EVALUATED],
              )
            : await ds.query(
                'SELECT date FROM daily_aggregates WHERE pid = ? ORDER BY date DESC LIMIT 1',
                [patient.pid],
              );
        for (const row of rows) {
          const date = String(row.date);
          const day = days.get(date) ?? dayWithoutData(date);
          for (const metric of metrics)
            if (row[metric] !== null) Object.assign(day, { [metric]: Number(row[metric]) });
          days.set(date, day);
        }
      }
      loadMs += performance.now() - started;
      started = performance.now();
      const series = new PatientSeries(
        [...days.values()].sort((a, b) => (a.date < b.date ? -1 : 1)),
        patient,
      );
      results.push(
        ...(await evaluatePatientDay(series, evaluationDay(EVALUATED, patient.timeZone), [
          forPatient,
        ])),
      );
      evaluateMs += performance.now() - started;
    }
    outcomes.set(patient.pid, results);
  }
  return { loadMs, evaluateMs, outcomes };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const row = (label: string, value: string, note = ''): void =>
  console.log(`  ${label.padEnd(34)} ${value.padStart(10)}${note ? `   ${note}` : ''}`);

async function main(): Promise<void> {
  const server = new URL(
    process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/',
  );
  const name = `vigil_bench_${randomBytes(3).toString('hex')}`;
  const admin = await createConnection({ uri: server.toString() });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const [[{ version }]] = (await admin.query('SELECT VERSION() AS version')) as unknown as [
    [{ version: string }],
  ];
  await admin.end();
  server.pathname = `/${name}`;
  const env = loadEnvironment({
    ENCRYPTION_KEYS: KeyRing.generateEntry('bench'),
    DATABASE_URL: server.toString(),
    RULES_DIR: join(__dirname, '..', 'rules'),
    LOG_LEVEL: 'warn',
  });
  const ds = await new DataSource(dataSourceOptions(env)).initialize();
  try {
    await migrateDatabase(ds);
    const store = new RuleStore(ds);
    const openEmr = OpenEmrDatabase.fromEnvironment(env);
    const rules = new RulesService(
      store,
      new AuditTrail(new AuditEventRepository(ds)),
      env,
      openEmr,
      new OpenEmrDirectory(openEmr),
    );
    const sync = await rules.syncFolder('bench');
    console.log(
      `Vigil rules benchmark: ${PATIENTS} patients x ${DAYS} days x ${sync.changed.length} rules (starter library), MariaDB ${version}, fresh database ${name}`,
    );
    let started = performance.now();
    const inserted = await insertCohort(ds);
    console.log(
      `setup (not measured): ${inserted} daily aggregates inserted in bulk in ${seconds(performance.now() - started)}`,
    );

    const patients = cohort();
    const evaluations = new RuleEvaluations(
      new Transactions(ds),
      store,
      new RulesInForce(store),
      new RuleOutcomes(ds),
      new DailyAggregates(ds),
      {
        activePatients: async () => patients,
        watchedAmong: async (pids: readonly number[]) =>
          patients.filter((p) => pids.includes(p.pid)),
        patient: async () => null,
      } as MonitoredPatients,
      new EvaluationsDueRepository(ds),
      new AlertStepsDue(ds),
      new EventEmitter2(),
      env,
      new JsonLogger('warn'),
      new Metrics(),
    );
    const rssBefore = process.memoryUsage().rss;
    started = performance.now();
    const run = await evaluations.evaluate(
      patients.map((patient) => ({ patient, dates: [EVALUATED] })),
    );
    const totalMs = performance.now() - started;
    const peakRss = process.resourceUsage().maxRSS / 1024;
    console.log(
      `daily run: every patient's local date ${EVALUATED}, 500 patients per series query`,
    );
    row('loading series from MariaDB', seconds(run.loadMs));
    row('computing facts + running rules', seconds(run.evaluateMs));
    row(`storing ${run.outcomes} outcomes`, seconds(run.storeMs));
    row('total', seconds(totalMs), 'target < 30 s');
    row(
      'peak RSS (whole process)',
      `${Math.round(peakRss)} MB`,
      `target < 400 MB (RSS before the run ${Math.round(rssBefore / 1048576)} MB)`,
    );
    row('throughput', `${Math.round(PATIENTS / (totalMs / 1000))}`, 'patients per second');

    const sample = patients.slice(0, NAIVE_SAMPLE);
    const naive = await naiveEvaluation(ds, evaluations, sample);
    const scale = PATIENTS / NAIVE_SAMPLE;
    const naiveMs = (naive.loadMs + naive.evaluateMs) * scale;
    const fastMs = run.loadMs + run.evaluateMs;
    console.log(
      `naive baseline: one query per fact, measured on ${NAIVE_SAMPLE} patients and extrapolated x${scale.toFixed(0)} to ${PATIENTS}:`,
    );
    row('loading (one query per fact)', seconds(naive.loadMs * scale));
    row('computing facts + running rules', seconds(naive.evaluateMs * scale));
    row('load + compute', seconds(naiveMs));
    row('speed-up of load + compute', `${(naiveMs / fastMs).toFixed(1)}x`, 'target >= 20x');

    const stored = await ds.getRepository(RuleOutcome).find({
      where: sample.map((p) => ({ pid: p.pid })),
      select: { pid: true, ruleId: true, result: true },
    });
    const agree = stored.every(
      (o) =>
        naive.outcomes.get(Number(o.pid))?.find((n) => n.rule === o.ruleId)?.result === o.result,
    );
    const results = { true: 0, false: 0, insufficient_data: 0 };
    for (const o of await ds.getRepository(RuleOutcome).find({ select: { result: true } }))
      results[o.result] += 1;
    console.log(
      `outcomes: ${results.true} true, ${results.false} false, ${results.insufficient_data} insufficient data; naive and batched agree on the sample: ${agree ? 'yes' : 'NO'}`,
    );
    if (!agree) process.exitCode = 1;
  } finally {
    await ds.destroy();
    const conn = await createConnection({ uri: new URL('/', server).toString() });
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await conn.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
