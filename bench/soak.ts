/**
 * Soak run: simulated time compressed, three worker processes on MariaDB.
 *
 *   npm run soak                      # full: 2,000 patients, 90 simulated days
 *   SOAK_PROFILE=short npm run soak   # CI: 200 patients, 10 simulated days (< 2 min)
 *
 * SOAK_PATIENTS, SOAK_DAYS and SOAK_WORKERS override the profile. Each
 * simulated day moves the simulator's clock and every worker's clock (the
 * test-only VIGIL_TEST_CLOCK_OFFSET_MS hook) one day on; the workers then sync
 * every patient (incremental syncs of a new day), evaluate the rules and
 * deliver alerts into an OpenEMR stand-in. After each day it samples each
 * worker's RSS, live heap (after a full collection) and active handles, the
 * connections to this database (its own pool included), and the outbox backlog, prints a table and judges flatness on the
 * second half of the run (least-squares slope of RSS and heap per simulated
 * day). Exit code 1 when something grows.
 */
import 'reflect-metadata';
import { createConnection } from 'mysql2/promise';
import { loadEnvironment } from '../src/config/environment';
import { KeyRing } from '../src/crypto/key-ring';
import { startSimulator } from '../src/simulator';
import { DAY_MS } from '../src/time';
import { freshDatabase, testMysqlUrl } from '../test/support/databases';
import { freshOpenEmr } from '../test/support/openemr';
import {
  addOpenEmrPatients,
  prepareVigilDatabase,
  scriptedScenarios,
} from '../test/support/scripted-cohort';
import { VigilProcess } from '../test/support/vigil-process';
import { simulatorEnv } from '../test/support/wearables';

const SHORT = process.env.SOAK_PROFILE === 'short';
const PATIENTS = Number(process.env.SOAK_PATIENTS ?? (SHORT ? 200 : 2000));
const DAYS = Number(process.env.SOAK_DAYS ?? (SHORT ? 10 : 90));
const WORKERS = Number(process.env.SOAK_WORKERS ?? 3);
const PROFILE =
  process.env.SOAK_PATIENTS || process.env.SOAK_DAYS ? 'custom' : SHORT ? 'short' : 'full';
const MB = 1024 * 1024;

interface Sample {
  day: number;
  seconds: number;
  rss: number[];
  heap: number[];
  handles: number[];
  connections: number;
  /** Deliveries still pending after the dispatcher had up to {@link DRAIN_WAIT_MS} to catch up. */
  backlog: number;
  /** How long that took, seconds. */
  drainSeconds: number;
  alerts: number;
}

/**
 * A day's syncs end with its deliveries just written, and the dispatcher runs
 * every 10 s: on a quiet machine a simulated day takes about as long, so the
 * backlog read at once is timing, not growth. Each sample first gives the
 * outbox two and a half rounds to catch up; what it cannot clear is growth.
 */
const DRAIN_WAIT_MS = 25_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const keys = KeyRing.generateEntry('soak');
  const start = new Date();
  const sim = await startSimulator({
    cohortSize: PATIENTS,
    seed: 'soak',
    scenarios: scriptedScenarios(PATIENTS, start.toISOString().slice(0, 10)),
    rateLimitPerUserPerMinute: 0,
    cacheSize: 2048,
  });
  const db = await freshDatabase('mysql', { ENCRYPTION_KEYS: keys });
  const openEmr = await freshOpenEmr('mysql');
  await addOpenEmrPatients(openEmr.db, PATIENTS);
  const env = loadEnvironment({
    ...simulatorEnv(sim),
    DATABASE_URL: db.url!,
    ENCRYPTION_KEYS: keys,
  });
  const ds = await prepareVigilDatabase(env, sim, PATIENTS);
  const database = new URL(db.url!).pathname.slice(1);

  let offsetMs = 0;
  const workerEnv = (): Record<string, string> => ({
    ...simulatorEnv(sim),
    ROLE: 'worker',
    DATABASE_URL: db.url!,
    OPENEMR_DATABASE_URL: openEmr.url,
    ALERT_FALLBACK_RECIPIENTS: 'nurseward',
    ENCRYPTION_KEYS: keys,
    // Short backfill and re-read: the simulator generates every heart-rate
    // sample it serves, and this run is about the workers, not the simulator.
    BACKFILL_DAYS: '7',
    REREAD_DAYS: '1',
    SYNC_TICK_SECONDS: '1',
    SYNC_CONCURRENCY: '6',
    LOG_LEVEL: 'info',
    VIGIL_TEST_CLOCK_OFFSET_MS: String(offsetMs),
  });
  const workers = Array.from(
    { length: WORKERS },
    (_, i) => new VigilProcess(`worker-${i}`, workerEnv()),
  );
  await Promise.all(workers.map((w) => w.ready));

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await ds.query(sql, params))[0].n);
  const waitForSyncs = async (since: Date): Promise<void> => {
    const deadline = Date.now() + 30 * 60_000;
    while (
      (await count(
        'SELECT COUNT(*) AS n FROM wearable_connections WHERE last_sync_at IS NULL OR last_sync_at < ?',
        [since],
      )) > 0
    ) {
      if (Date.now() > deadline)
        throw new Error('syncs of a simulated day did not finish in 30 minutes');
      if (workers.some((w) => !w.alive))
        throw new Error(`a worker died:\n${workers.find((w) => !w.alive)!.tail}`);
      await sleep(500);
    }
  };

  const pending = () => count("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'");
  /** Waits up to `ms` for the outbox to empty; what is left, and how long it waited. */
  const drain = async (ms: number): Promise<{ left: number; seconds: number }> => {
    const start = Date.now();
    let left = await pending();
    while (left > 0 && Date.now() - start < ms) {
      await sleep(1000);
      left = await pending();
    }
    return { left, seconds: (Date.now() - start) / 1000 };
  };

  const samples: Sample[] = [];
  const takeSample = async (day: number, seconds: number): Promise<void> => {
    const processes = await Promise.all(workers.map((w) => w.sample()));
    const outbox = await drain(DRAIN_WAIT_MS);
    samples.push({
      day,
      seconds,
      rss: processes.map((p) => (p?.rss ?? 0) / MB),
      heap: processes.map((p) => (p?.heapUsed ?? 0) / MB),
      handles: processes.map((p) => p?.handles ?? 0),
      connections: await count(
        'SELECT COUNT(*) AS n FROM information_schema.processlist WHERE db = ?',
        [database],
      ),
      backlog: outbox.left,
      drainSeconds: outbox.seconds,
      alerts: await count('SELECT COUNT(*) AS n FROM alerts'),
    });
  };

  process.stdout.write(
    `Soak: ${PATIENTS} patients, ${DAYS} simulated days, ${WORKERS} worker processes on MariaDB (${PROFILE} profile)\n`,
  );
  let started = Date.now();
  await waitForSyncs(new Date(0)); // the backfill
  await takeSample(0, (Date.now() - started) / 1000);
  for (let day = 1; day <= DAYS; day++) {
    started = Date.now();
    offsetMs += DAY_MS;
    sim.clock.advance(DAY_MS);
    for (const worker of workers) worker.setClockOffset(offsetMs);
    // Everyone's hourly sync is due on the new day.
    await waitForSyncs(new Date(Date.now() + offsetMs));
    await takeSample(day, (Date.now() - started) / 1000);
    process.stdout.write(`  day ${day}: ${samples[samples.length - 1].seconds.toFixed(1)} s\n`);
  }
  // The outbox drains (dispatch every 10 s): backlog must reach zero.
  const backlog = (await drain(120_000)).left;

  // Storage per patient-day, for sizing (InnoDB's page granularity makes small runs read high).
  await ds.query('ANALYZE TABLE daily_aggregates, rule_outcomes, alerts');
  const storage: { name: string; bytes: string }[] = await ds.query(
    `SELECT table_name AS name, data_length + index_length AS bytes FROM information_schema.tables
      WHERE table_schema = ? AND table_name IN ('daily_aggregates', 'rule_outcomes', 'alerts')`,
    [database],
  );
  const patientDays = await count('SELECT COUNT(*) AS n FROM daily_aggregates');

  for (const worker of workers) await worker.kill('SIGTERM');
  await ds.destroy();
  // Counted from outside the database, so this run's own pool is not among them.
  const admin = await createConnection({ uri: testMysqlUrl() });
  const [left] = await admin.query(
    'SELECT COUNT(*) AS n FROM information_schema.processlist WHERE db = ?',
    [database],
  );
  const leftConnections = Number((left as { n: number }[])[0].n);
  await admin.end();
  await sim.close();
  await openEmr.drop();
  await db.drop();

  const cell = (v: number, w: number, digits = 0): string => v.toFixed(digits).padStart(w);
  const lines = [
    '',
    ` day  secs  ${workers.map((_, i) => `rss${i} MB heap${i} MB hnd${i}`).join('  ')}  db conns  outbox  drain s  alerts`,
    ...samples.map(
      (s) =>
        `${cell(s.day, 4)} ${cell(s.seconds, 5, 1)}  ${s.rss.map((r, i) => `${cell(r, 8)} ${cell(s.heap[i], 8)} ${cell(s.handles[i], 4)}`).join('  ')}  ${cell(s.connections, 8)} ${cell(s.backlog, 7)} ${cell(s.drainSeconds, 8, 1)} ${cell(s.alerts, 7)}`,
    ),
  ];
  const half = samples.slice(Math.floor(samples.length / 2));
  const first = samples.slice(1, Math.floor(samples.length / 2) + 1);
  const days = half.map((s) => s.day);
  const verdicts: { what: string; ok: boolean; detail: string }[] = [];
  for (let i = 0; i < workers.length; i++) {
    const rss = half.map((s) => s.rss[i]);
    const heap = half.map((s) => s.heap[i]);
    const rssSlope = slope(days, rss);
    const heapSlope = slope(days, heap);
    const mean = rss.reduce((a, b) => a + b, 0) / rss.length;
    // Flat: the trend over the second half adds less than 10% of the mean RSS (16 MB at least).
    const allowed = Math.max(16, mean * 0.1) / Math.max(1, days[days.length - 1] - days[0]);
    verdicts.push({
      what: `worker-${i} memory`,
      ok: rssSlope < allowed && heapSlope < allowed,
      detail: `RSS ${rssSlope.toFixed(2)} MB/day, heap ${heapSlope.toFixed(2)} MB/day (limit ${allowed.toFixed(2)})`,
    });
    const handlesBefore = Math.max(...first.map((s) => s.handles[i]));
    const handlesAfter = Math.max(...half.map((s) => s.handles[i]));
    verdicts.push({
      what: `worker-${i} handles`,
      ok: handlesAfter <= handlesBefore + 2,
      detail: `max ${handlesBefore} in the first half, ${handlesAfter} in the second`,
    });
  }
  const connectionsBefore = Math.max(...first.map((s) => s.connections));
  const connectionsAfter = Math.max(...half.map((s) => s.connections));
  verdicts.push({
    what: 'database connections',
    ok: connectionsAfter <= connectionsBefore + 2 && leftConnections === 0,
    detail: `max ${connectionsBefore} in the first half, ${connectionsAfter} in the second, ${leftConnections} left after shutdown`,
  });
  const backlogAfter = Math.max(...half.map((s) => s.backlog));
  verdicts.push({
    what: 'outbox backlog',
    ok: backlog === 0 && backlogAfter <= Math.max(...first.map((s) => s.backlog)) + PATIENTS / 10,
    detail: `max ${backlogAfter} pending in the second half, ${backlog} after draining`,
  });
  lines.push(
    '',
    `Storage: ${patientDays} patient-days; ${storage
      .map((t) => `${t.name} ${(Number(t.bytes) / patientDays).toFixed(0)} bytes per patient-day`)
      .join(', ')}`,
    '',
    ...verdicts.map((v) => `${v.ok ? 'FLAT' : 'GROWS'}  ${v.what}: ${v.detail}`),
    `Verdict: ${verdicts.every((v) => v.ok) ? 'PASS' : 'FAIL'}`,
    '',
  );
  process.stdout.write(lines.join('\n'));
  process.exitCode = verdicts.every((v) => v.ok) ? 0 : 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
