/**
 * Ingestion benchmark against the Google Health API simulator on loopback and
 * MariaDB, at Fitbit's real heart-rate cadence (a sample every 5 s while worn):
 *   - API requests per patient (median, p95, max over a sample of patients): a
 *     60-day backfill, the day's first incremental sync (which re-reads the
 *     recent days) and a later one the same day; bytes per sync, by roll-up
 *     and, in the same run, by list (GOOGLE_HEALTH_INTRADAY_READS=list);
 *   - end-to-end patient syncs per second (the day's first incremental sync, in
 *     the steady state of the minutes check: see makeDue) with 1, 2 and 3 worker
 *     processes (ROLE=worker children started like `npm run start:worker`:
 *     compiled code, its node flags, the default log level), with the CPU
 *     each sync costs the workers and the simulator, and the SQL statements and
 *     transactions the workers send per sync (counted by the probe);
 *   - the time of a 10,000-patient incremental cycle with 3 workers: measured
 *     with BENCH_FULL_CYCLE=1, else extrapolated from the rate (and labelled so);
 *     with BENCH_FULL_CYCLE=1 also the cycle of a later sync the same day, for
 *     the patients that cycle reached;
 *   - peak RSS and V8 heap of a worker with 1,000 and 10,000 due patients;
 *   - bytes per patient-day of daily_aggregates in MariaDB.
 *
 *   npm run bench:ingest
 *
 * BENCH_HEART_RATE_CADENCE_SECONDS (default 5), BENCH_SAMPLE_PATIENTS (default
 * 20) and BENCH_COHORT (default 10,000; smaller for a short profile) too.
 * BENCH_LATE_DAY_SHARE (default 0.05): the share of older re-read days that
 * changed since the day's first syncs last read them (see makeDue).
 * BENCH_MYSQL_URL (default TEST_MYSQL_URL, else mysql://root@127.0.0.1:3306/)
 * names the server; the bench creates its own database and drops it.
 * BENCH_THROUGHPUT_PATIENTS (default 300), BENCH_RSS_SECONDS (default 45),
 * BENCH_SYNC_CONCURRENCY (default 8), BENCH_PROJECT_REQUESTS_PER_MINUTE (default
 * 120,000, shared by each run's workers) and BENCH_WORKER_NODE_FLAGS (default: the
 * flags of `start:worker`) set the profile; BENCH_WORKER_COUNTS (default 1,2,3)
 * the throughput runs, BENCH_RSS_SECONDS=0 skips the RSS runs, and
 * BENCH_COMPARE_DIST=<another compiled tree> repeats each throughput run
 * (BENCH_COMPARE_ROUNDS, default 2) with those workers, alternately, for a
 * before/after comparison under the same load; BENCH_STATEMENT_KINDS=1 has each
 * worker list its SQL statements by kind at exit. The bench runs `npm run build` first. The simulator runs in this process
 * and serves the real request shapes and volumes (every heart-rate minute);
 * its CPU per sync is this process's CPU during the run (the API app here is idle).
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { startVigil } from '../src/bootstrap';
import { Environment, loadEnvironment } from '../src/config/environment';
import { KeyRing } from '../src/crypto/key-ring';
import { SyncRequests } from '../src/ingest/sync-requests';
import { addDays, localDateAt } from '../src/time';
import { googleSettingsFor, Simulator, startSimulator } from '../src/simulator';
import { connectionTokensOn, connectSimulatedUser } from '../test/support/wearables';
import { FITBIT_CADENCE_SECONDS } from '../src/simulator/heart-rate-cadence';
import { BENCH_SYNC_KIND } from './day-first-plan';
import packageJson from '../package.json';

const ROOT = join(__dirname, '..');
const THROUGHPUT_PATIENTS = Number(process.env.BENCH_THROUGHPUT_PATIENTS ?? 300);
const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 45);
const COHORT = Number(process.env.BENCH_COHORT ?? 10_000);
const CADENCE = Number(process.env.BENCH_HEART_RATE_CADENCE_SECONDS ?? FITBIT_CADENCE_SECONDS);
const SAMPLE_PATIENTS = Number(process.env.BENCH_SAMPLE_PATIENTS ?? 20);
/** List reads move ten times the bytes: a few patients show the ratio. */
const LIST_SAMPLE_PATIENTS = Math.min(5, SAMPLE_PATIENTS);
/** BENCH_FULL_CYCLE=1: also sync all 10,000 patients with 3 workers and print the measured time. */
const FULL_CYCLE = process.env.BENCH_FULL_CYCLE === '1';
/**
 * BENCH_FULL_CYCLE_SECONDS: how long the full cycle may run (default an hour).
 * 240, the target, answers "met or not" in four minutes with the share synced.
 */
const FULL_CYCLE_SECONDS = Number(process.env.BENCH_FULL_CYCLE_SECONDS ?? 3600);
const CONCURRENCY = Number(process.env.BENCH_SYNC_CONCURRENCY ?? 8);
/**
 * The workers' node flags: by default those of `npm run start:worker` (a 192 MB
 * old space; see docs/scaling.md), BENCH_WORKER_NODE_FLAGS='' for Node's defaults.
 */
const WORKER_NODE_FLAGS = (
  process.env.BENCH_WORKER_NODE_FLAGS ??
  /node (.*) dist\/src\/main\.js/.exec(packageJson.scripts['start:worker'])?.[1] ??
  ''
)
  .split(' ')
  .filter(Boolean);
/** Worker counts of the throughput runs (BENCH_WORKER_COUNTS=1 for a quick profile). */
const WORKER_COUNTS = (process.env.BENCH_WORKER_COUNTS ?? '1,2,3').split(',').map(Number);
/**
 * BENCH_COMPARE_DIST=/path/to/another/dist: each throughput run is repeated
 * with workers compiled elsewhere (say, before a change), alternately, so a
 * before/after comparison shares the machine's load of the moment.
 */
const COMPARE_DIST = process.env.BENCH_COMPARE_DIST ?? null;
const COMPARE_ROUNDS = Number(process.env.BENCH_COMPARE_ROUNDS ?? 2);
/**
 * BENCH_SYNC_KIND=later: the throughput runs make later syncs the same day
 * (three of a day's four at the default interval) instead of the day's first;
 * one unmeasured run of the day's first syncs comes before them.
 */
const SYNC_KIND = BENCH_SYNC_KIND === 'later' ? 'later' : 'first';
/**
 * BENCH_PROJECT_REQUESTS_PER_MINUTE (default 120,000, Google's quota for a
 * project): each run's workers share it, as a deployment splits it
 * (`GOOGLE_PROJECT_REQUESTS_PER_MINUTE` is per process). At the default of
 * 5,000 a process, three workers would make at most 250 requests a second:
 * 25 of the day's first syncs, whatever the cores could do.
 */
const PROJECT_QUOTA = Number(process.env.BENCH_PROJECT_REQUESTS_PER_MINUTE ?? 120_000);
const server =
  process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/';

/** Enrollments and sealed tokens for sim-1..sim-N, in batches (consent's own path is one by one). */
async function connectCohort(ds: DataSource, env: Environment, sim: Simulator, size: number) {
  const tokens = connectionTokensOn(ds, env);
  for (let start = 1; start <= size; start += 250) {
    await ds.transaction(async (manager) => {
      for (let i = start; i < start + 250 && i <= size; i++) {
        await connectSimulatedUser(manager, tokens, sim, i, `sim-${i}`, {
          nextSyncAt: null,
          syncIntervalMinutes: 24 * 60,
        });
      }
    });
  }
}

/**
 * BENCH_LATE_DAY_SHARE (default 0.05): the share of older re-read days whose
 * data changed since their minutes were read (late uploads), whose minutes the
 * day's first sync reads again. The cohort's own late-day habits change about
 * 0.5% of patient-days (30% of patients, one to three days in 120); the
 * default is ten times that, to stay on the safe side.
 */
const LATE_DAY_SHARE = Number(process.env.BENCH_LATE_DAY_SHARE ?? 0.05);

/**
 * Makes patients 1..size due for the day's first incremental sync (with its
 * re-read), each run alike.
 *
 * 'unprimed': the first day's first sync after a backfill or an upgrade: no
 * day has a minutes fingerprint (the days it reads are deleted, and its
 * cursor is a day earlier, so it also stores the evening before's), so it
 * reads every re-read day's minutes; runs only to prime the steady state.
 *
 * 'steady': what the minutes check meets every day. The re-read days and the
 * evening before were read and fingerprinted by earlier days' first syncs;
 * yesterday in the patient's zone (the cursor), read before it was complete,
 * and today were not; and a share of the older re-read days (LATE_DAY_SHARE)
 * changed since. Yesterday, today and the changed days are deleted, so every
 * sync writes and evaluates them as it would the data that moved since. Only patients with fingerprints are made due. Answers how
 * many are due.
 */
async function makeDue(
  ds: DataSource,
  size: number,
  rereadDays: number,
  model: 'unprimed' | 'steady',
): Promise<number> {
  await ds.query('DELETE FROM sync_states');
  await ds.query('UPDATE wearable_connections SET last_sync_at = NULL');
  const every = LATE_DAY_SHARE > 0 ? Math.max(1, Math.round(1 / LATE_DAY_SHARE)) : 1 << 30;
  const zones = (await ds.query(
    'SELECT time_zone AS zone, GROUP_CONCAT(pid) AS pids FROM enrollments WHERE pid <= ? GROUP BY time_zone',
    [size],
  )) as { zone: string | null; pids: string }[];
  let due = 0;
  // Dates are the patients' own: yesterday in their zone.
  for (const { zone, pids } of zones) {
    const group = pids.split(',').map(Number);
    const yesterday = addDays(localDateAt(Date.now(), zone ?? 'UTC'), -1);
    const cursor = model === 'steady' ? yesterday : addDays(yesterday, -1);
    const eveningBefore = addDays(cursor, -rereadDays - 1);
    if (model === 'unprimed') {
      await ds.query('DELETE FROM daily_aggregates WHERE pid IN (?) AND date >= ?', [
        group,
        eveningBefore,
      ]);
    } else {
      // Deleted rather than only unfingerprinted: their data moved since they were
      // stored, so the sync writes them and the rules evaluate them, as on a real day.
      await ds.query(
        `DELETE FROM daily_aggregates
         WHERE pid IN (?) AND (date >= ? OR (date > ? AND MOD(pid * 7 + TO_DAYS(date), ?) = 0))`,
        [group, cursor, eveningBefore, every],
      );
    }
    const result = (await ds.query(
      `INSERT INTO sync_states (connection_id, next_sync_at, cursor_date, early_sync_requested, consecutive_failures, unavailable_data_types)
       SELECT c.id, ?, ?, 0, 0, '' FROM wearable_connections c JOIN enrollments e ON e.id = c.enrollment_id
       WHERE e.pid IN (?) AND (? = 'unprimed' OR e.pid IN
         (SELECT a.pid FROM daily_aggregates a WHERE a.date = ? AND a.minutes_fingerprint IS NOT NULL))`,
      [new Date(), cursor, group, model, eveningBefore],
    )) as { affectedRows: number };
    due += result.affectedRows;
  }
  return due;
}

interface Worker {
  child: ChildProcess;
  maxRssKb: number;
  maxHeapUsedMb: number;
  maxHeapTotalMb: number;
  /** CPU time used so far, and when the run started (start-up is not charged to syncs). */
  cpuMs: number;
  cpuAtStartMs: number;
  /** SQL statements and transactions sent so far, and at the run's start. */
  statements: number;
  transactions: number;
  statementsAtStart: number;
  transactionsAtStart: number;
  ready: Promise<void>;
  exited: Promise<void>;
}

interface WorkerReport {
  maxRssKb: number;
  cpuMs: number;
  heapUsedMb: number;
  heapTotalMb: number;
  statements?: number;
  transactions?: number;
}

function startWorker(env: Record<string, string>, dist = 'dist'): Worker {
  const child = spawn(
    process.execPath,
    [...WORKER_NODE_FLAGS, '-r', './bench/worker-probe.cjs', join(dist, 'src/main.js')],
    {
      cwd: ROOT,
      // A compiled tree elsewhere finds this checkout's packages.
      env: {
        PATH: process.env.PATH ?? '',
        NODE_PATH: join(ROOT, 'node_modules'),
        BENCH_STATEMENT_KINDS: process.env.BENCH_STATEMENT_KINDS ?? '',
        ...env,
      },
    },
  );
  const worker: Worker = {
    child,
    maxRssKb: 0,
    maxHeapUsedMb: 0,
    maxHeapTotalMb: 0,
    cpuMs: 0,
    cpuAtStartMs: 0,
    statements: 0,
    transactions: 0,
    statementsAtStart: 0,
    transactionsAtStart: 0,
    ready: Promise.resolve(),
    exited: Promise.resolve(),
  };
  // stdout carries the worker's own log lines and the probe's reports.
  let started = false;
  worker.ready = new Promise((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('Vigil is running')) started = true;
      if (!line.startsWith('{"maxRssKb"')) return;
      const report = JSON.parse(line) as WorkerReport;
      worker.maxRssKb = Math.max(worker.maxRssKb, report.maxRssKb);
      worker.maxHeapUsedMb = Math.max(worker.maxHeapUsedMb, report.heapUsedMb);
      worker.maxHeapTotalMb = Math.max(worker.maxHeapTotalMb, report.heapTotalMb);
      worker.cpuMs = report.cpuMs;
      worker.statements = report.statements ?? 0;
      worker.transactions = report.transactions ?? 0;
      // The first report after start-up: start-up CPU is then in cpuMs.
      if (started) resolve();
    });
  });
  worker.exited = new Promise((resolve) => child.on('exit', () => resolve()));
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
  return worker;
}

interface WorkerRun {
  synced: number;
  seconds: number;
  maxRssMb: number[];
  heapMb: string[];
  /** CPU milliseconds per sync: all workers together, and this process (the simulator). */
  workerCpuPerSync: number;
  simulatorCpuPerSync: number;
  /** SQL statements and transactions the workers sent per sync (claims and evaluation included). */
  statementsPerSync: number;
  transactionsPerSync: number;
}

const cpuNowMs = (): number => {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
};

/**
 * Makes due again the patients whose day's first sync is done (their re-read
 * is spent), so each sync is a later one the same day: it reads from its
 * cursor, the days since the last sync. Returns how many are due.
 */
async function makeLaterDue(ds: DataSource): Promise<number> {
  await ds.query('UPDATE wearable_connections SET last_sync_at = NULL');
  await ds.query('UPDATE sync_states SET next_sync_at = ? WHERE reread_spent_on IS NOT NULL', [
    new Date(),
  ]);
  const [row] = (await ds.query(
    'SELECT COUNT(*) AS n FROM sync_states WHERE reread_spent_on IS NOT NULL',
  )) as { n: number | string }[];
  return Number(row.n);
}

async function runWorkers(
  ds: DataSource,
  env: Record<string, string>,
  count: number,
  patients: number,
  limitSeconds: number,
  dist?: string,
  /**
   * 'first': the day's first sync in the steady state, 'unprimed': without
   * fingerprints (see makeDue); 'later': the patients already synced today
   * sync again (see makeLaterDue).
   */
  kind: 'first' | 'unprimed' | 'later' = 'first',
): Promise<WorkerRun> {
  // Workers start with nothing due, so start-up time is not counted.
  await ds.query('UPDATE sync_states SET next_sync_at = NULL');
  const share = { GOOGLE_PROJECT_REQUESTS_PER_MINUTE: String(Math.floor(PROJECT_QUOTA / count)) };
  const workers = Array.from({ length: count }, () => startWorker({ ...env, ...share }, dist));
  await Promise.all(workers.map((w) => w.ready));
  if (kind === 'later') patients = await makeLaterDue(ds);
  else
    patients = await makeDue(
      ds,
      patients,
      Number(env.REREAD_DAYS),
      kind === 'first' ? 'steady' : 'unprimed',
    );
  for (const w of workers) {
    w.cpuAtStartMs = w.cpuMs;
    w.statementsAtStart = w.statements;
    w.transactionsAtStart = w.transactions;
  }
  const simulatorCpuAtStart = cpuNowMs();
  const started = Date.now();
  let synced = 0;
  while (synced < patients && Date.now() - started < limitSeconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const [row] = (await ds.query(
      'SELECT COUNT(*) AS n FROM wearable_connections WHERE last_sync_at IS NOT NULL',
    )) as { n: number | string }[];
    synced = Number(row.n);
  }
  const seconds = (Date.now() - started) / 1000;
  const simulatorCpu = cpuNowMs() - simulatorCpuAtStart;
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
  const workerCpu = workers.reduce((sum, w) => sum + (w.cpuMs - w.cpuAtStartMs), 0);
  const statements = workers.reduce((sum, w) => sum + (w.statements - w.statementsAtStart), 0);
  const transactions = workers.reduce(
    (sum, w) => sum + (w.transactions - w.transactionsAtStart),
    0,
  );
  return {
    synced,
    seconds,
    maxRssMb: workers.map((w) => Math.round(w.maxRssKb / 1024)),
    heapMb: workers.map((w) => `${w.maxHeapUsedMb}/${w.maxHeapTotalMb}`),
    // The SIGTERM report includes shutdown: a few ms, not charged per sync.
    workerCpuPerSync: workerCpu / Math.max(1, synced),
    simulatorCpuPerSync: simulatorCpu / Math.max(1, synced),
    statementsPerSync: statements / Math.max(1, synced),
    transactionsPerSync: transactions / Math.max(1, synced),
  };
}

/** Median, p95 and max, as the targets are stated. */
function spread(values: number[], digits = 0): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const mid =
    sorted.length % 2 === 1
      ? sorted[(sorted.length - 1) / 2]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return `median ${mid.toFixed(digits)}, p95 ${at(0.95).toFixed(digits)}, max ${sorted[sorted.length - 1].toFixed(digits)}`;
}

const kb = (bytes: number): number => bytes / 1024;

function describeRun(count: number, run: WorkerRun): string {
  return [
    `  ${count} worker(s): ${run.synced} incremental syncs in ${run.seconds.toFixed(1)} s = ${(run.synced / run.seconds).toFixed(1)} patient syncs/s;`,
    `peak RSS ${run.maxRssMb.join(', ')} MB (V8 heap used/total ${run.heapMb.join(', ')} MB);`,
    `CPU per sync: workers ${run.workerCpuPerSync.toFixed(0)} ms, simulator ${run.simulatorCpuPerSync.toFixed(0)} ms;`,
    `SQL per sync: ${run.statementsPerSync.toFixed(1)} statements, ${run.transactionsPerSync.toFixed(1)} transactions`,
  ].join(' ');
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const name = `vigil_bench_ingest_${randomBytes(3).toString('hex')}`;
  const admin = await createConnection({ uri: server });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const sim = await startSimulator({
    cohortSize: COHORT,
    seed: 'bench',
    rateLimitPerUserPerMinute: 0,
    heartRateCadenceSeconds: CADENCE,
  });
  const base = {
    ...googleSettingsFor(sim.url),
    DATABASE_URL: url.toString(),
    ENCRYPTION_KEYS: KeyRing.generateEntry('bench'),
    LOG_LEVEL: 'warn',
  };
  const env = loadEnvironment({ ...base, ROLE: 'api' });
  const setup = await startVigil(env, { port: 0, logWriter: () => undefined });
  const ds = setup.app.get(DataSource);
  try {
    console.log(
      `Ingestion benchmark (simulator cohort ${COHORT}, MariaDB ${name}, worker node flags: ${WORKER_NODE_FLAGS.join(' ') || 'none'}, load average at start ${os.loadavg()[0].toFixed(1)})`,
    );
    let t = Date.now();
    await connectCohort(ds, env, sim, COHORT);
    console.log(
      `  set-up: ${COHORT} connected patients in ${((Date.now() - t) / 1000).toFixed(0)} s`,
    );

    // Requests and bytes per patient, measured in this process with the real runner.
    const syncs = setup.app.get(SyncRequests);
    const sample = Array.from({ length: Math.min(SAMPLE_PATIENTS, COHORT) }, (_, i) => i + 1);
    /** One sync of each sampled patient: requests and bytes each, and the routes of them all. */
    const measure = async (pids: number[], before?: (pid: number) => Promise<unknown>) => {
      const requests: number[] = [];
      const bytes: number[] = [];
      const routes: Record<string, number> = {};
      for (const pid of pids) {
        if (before) await before(pid);
        sim.resetStats();
        await ds.query(
          'UPDATE sync_states SET next_sync_at = ? WHERE connection_id IN (SELECT id FROM wearable_connections WHERE enrollment_id = ?)',
          [new Date(), pid],
        );
        const outcome = await syncs.syncNow(pid);
        if (outcome.status !== 'synced')
          throw new Error(`sync of ${pid}: ${JSON.stringify(outcome)}`);
        const stats = sim.stats();
        requests.push(stats.byUser[`sim-${pid}`] ?? 0);
        bytes.push(stats.bytesByUser[`sim-${pid}`] ?? 0);
        for (const [route, n] of Object.entries(stats.byRoute))
          routes[route] = (routes[route] ?? 0) + n;
      }
      return { requests, bytes, routes };
    };
    /** The patient's next sync is the day's first: it re-reads the recent days. */
    const spendReread = (pid: number) =>
      ds.query(
        'UPDATE sync_states SET reread_spent_on = NULL WHERE connection_id = (SELECT id FROM wearable_connections WHERE enrollment_id = ?)',
        [pid],
      );
    t = Date.now();
    const backfill = await measure(sample);
    const backfillMs = (Date.now() - t) / sample.length;
    // The day after a backfill: no day has a fingerprint yet, every minute is read.
    const daily = await measure(sample, spendReread);
    const sameDay = await measure(sample);
    // The steady state (makeDue's 'steady'): a day's first sync a day earlier stored the
    // evening before's fingerprint; yesterday and today have none.
    const yesterdayOf = (pid: number) =>
      addDays(localDateAt(Date.now(), sim.cohort.user(`sim-${pid}`)?.homeTimeZone ?? 'UTC'), -1);
    const dayEarlier = (pid: number, days: number) =>
      ds.query(
        'UPDATE sync_states SET reread_spent_on = NULL, cursor_date = ? WHERE connection_id = (SELECT id FROM wearable_connections WHERE enrollment_id = ?)',
        [addDays(yesterdayOf(pid), -days), pid],
      );
    await measure(sample, (pid) => dayEarlier(pid, 1));
    const steady = await measure(sample, async (pid) => {
      await dayEarlier(pid, 0);
      await ds.query(
        'UPDATE daily_aggregates SET minutes_fingerprint = NULL WHERE pid = ? AND date >= ?',
        [pid, yesterdayOf(pid)],
      );
    });
    setup.env.GOOGLE_HEALTH_INTRADAY_READS = 'list';
    const byList = await measure(sample.slice(0, LIST_SAMPLE_PATIENTS), spendReread);
    setup.env.GOOGLE_HEALTH_INTRADAY_READS = 'roll-up';
    const rolledBytes = daily.bytes.slice(0, LIST_SAMPLE_PATIENTS).reduce((a, b) => a + b, 0);
    const listBytes = byList.bytes.reduce((a, b) => a + b, 0);
    console.log(
      `  API requests per patient (${sample.length} patients, heart rate every ${CADENCE} s): 60-day backfill ${spread(backfill.requests)} (${backfillMs.toFixed(0)} ms each); ` +
        `the day's first (re-reads ${setup.env.REREAD_DAYS} days, checks their minutes) ${spread(steady.requests)} (the day after a backfill ${spread(daily.requests)}); later the same day ${spread(sameDay.requests)}`,
    );
    console.log(
      `  KB per sync: backfill ${spread(backfill.bytes.map(kb))}; the day's first ${spread(steady.bytes.map(kb))} (the day after a backfill, every minute read: ${spread(daily.bytes.map(kb))}); later the same day ${spread(sameDay.bytes.map(kb))}; ` +
        `daily incremental by list, same patients: ${spread(byList.bytes.map(kb))}, roll-ups read ${((100 * rolledBytes) / listBytes).toFixed(1)}% of the list's bytes`,
    );
    console.log(`    the day's first by route: ${JSON.stringify(steady.routes)}`);
    console.log(`    backfill by route: ${JSON.stringify(backfill.routes)}`);

    // Workers log at the default level, as in production.
    const { LOG_LEVEL: _quiet, ...workerBase } = base;
    const workerEnv = {
      ...workerBase,
      ROLE: 'worker',
      REREAD_DAYS: String(setup.env.REREAD_DAYS),
      SYNC_TICK_SECONDS: '1',
      SYNC_CONCURRENCY: String(CONCURRENCY),
    };
    // The day's first syncs of the runs below meet fingerprints stored a day earlier.
    const primed = await runWorkers(
      ds,
      workerEnv,
      Math.max(...WORKER_COUNTS),
      THROUGHPUT_PATIENTS,
      600,
      undefined,
      'unprimed',
    );
    console.log(
      `${describeRun(Math.max(...WORKER_COUNTS), primed)} [priming: a day's first sync without fingerprints, one more day]`,
    );
    let three: WorkerRun | null = null;
    if (SYNC_KIND === 'later') {
      const first = await runWorkers(ds, workerEnv, 1, THROUGHPUT_PATIENTS, 600);
      console.log(`${describeRun(1, first)} [the day's first, not measured for later syncs]`);
    }
    for (const count of WORKER_COUNTS) {
      const throughput = (dist?: string) =>
        runWorkers(ds, workerEnv, count, THROUGHPUT_PATIENTS, 600, dist, SYNC_KIND);
      if (COMPARE_DIST !== null) {
        for (let round = 1; round <= COMPARE_ROUNDS; round++) {
          const other = await throughput(COMPARE_DIST);
          console.log(`${describeRun(count, other)} [${COMPARE_DIST}, round ${round}]`);
          const run = await throughput();
          console.log(
            `${describeRun(count, run)} [dist, round ${round}, load ${os.loadavg()[0].toFixed(1)}]`,
          );
        }
        continue;
      }
      const run = await throughput();
      console.log(describeRun(count, run));
      if (count === 3) three = run;
    }
    if (three) {
      const rate = three.synced / three.seconds;
      const cpu = three.workerCpuPerSync + three.simulatorCpuPerSync;
      console.log(
        `  EXTRAPOLATED, not measured: a ${COHORT}-patient incremental cycle with 3 workers would take ${(COHORT / rate / 60).toFixed(1)} min at the rate above; ` +
          `Vigil + simulator use ${cpu.toFixed(0)} ms of CPU per sync (MariaDB not counted), so ${os.availableParallelism()} idle cores allow at most ${((os.availableParallelism() * 1000) / cpu).toFixed(1)} syncs/s`,
      );
    }
    if (FULL_CYCLE) {
      // Without fingerprints (the day after an upgrade), then the steady state of the patients it reached.
      const unprimed = await runWorkers(
        ds,
        workerEnv,
        3,
        COHORT,
        FULL_CYCLE_SECONDS,
        undefined,
        'unprimed',
      );
      console.log(`${describeRun(3, unprimed)} [a day's first sync without fingerprints]`);
      const run = await runWorkers(ds, workerEnv, 3, COHORT, FULL_CYCLE_SECONDS);
      console.log(describeRun(3, run));
      console.log(
        run.synced >= COHORT
          ? `  MEASURED full cycle: ${COHORT} patients synced incrementally by 3 workers in ${(run.seconds / 60).toFixed(1)} min (target < 4 min)`
          : `  MEASURED full cycle: stopped after ${(run.seconds / 60).toFixed(1)} min with ${run.synced} patients synced by 3 workers (of the ${unprimed.synced} with fingerprints); at that rate ${COHORT} take ${((COHORT / Math.max(1, run.synced)) * (run.seconds / 60)).toFixed(1)} min (target < 4 min)`,
      );
      // At the default interval (6 h) three of a day's four syncs are later ones.
      const later = await runWorkers(
        ds,
        workerEnv,
        3,
        COHORT,
        FULL_CYCLE_SECONDS,
        undefined,
        'later',
      );
      console.log(describeRun(3, later));
      console.log(
        `  MEASURED later-the-same-day cycle of the ${later.synced} patients above: ${(later.seconds / 60).toFixed(1)} min, so ${((COHORT / Math.max(1, later.synced)) * (later.seconds / 60)).toFixed(1)} min for ${COHORT} at that rate`,
      );
    }

    for (const patients of RSS_SECONDS > 0 ? [1_000, COHORT] : []) {
      const run = await runWorkers(ds, workerEnv, 1, patients, RSS_SECONDS);
      console.log(
        `  peak RSS, 1 worker, ${patients} patients due: ${run.maxRssMb[0]} MB, V8 heap used/total ${run.heapMb[0]} MB (${run.synced} synced in a ${RSS_SECONDS} s window)`,
      );
    }

    await ds.query('ANALYZE TABLE daily_aggregates');
    const [size] = (await ds.query(
      `SELECT t.table_rows AS estimated, t.data_length + t.index_length AS bytes, (SELECT COUNT(*) FROM daily_aggregates) AS row_count
       FROM information_schema.tables t WHERE t.table_schema = DATABASE() AND t.table_name = 'daily_aggregates'`,
    )) as { bytes: number | string; row_count: number | string }[];
    console.log(
      `  daily_aggregates: ${size.row_count} patient-days, ${size.bytes} bytes (data + indexes) = ${(Number(size.bytes) / Number(size.row_count)).toFixed(0)} bytes per patient-day`,
    );
    console.log(
      `  profile: throughput over ${THROUGHPUT_PATIENTS} patients, SYNC_CONCURRENCY ${CONCURRENCY}; RSS runs bounded to ${RSS_SECONDS} s; full 10,000-patient cycle ${FULL_CYCLE ? 'measured' : 'not run (BENCH_FULL_CYCLE=1 runs it)'}; load average at the end ${os.loadavg()[0].toFixed(1)}`,
    );
  } finally {
    await setup.shutdown('bench finished');
    await sim.close();
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
