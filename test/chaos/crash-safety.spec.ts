import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { KeyRing } from '../../src/crypto/key-ring';
import { loadEnvironment } from '../../src/config/environment';
import { openEmrInbox, openEmrReminders, STAND_IN_USERS } from '../../src/openemr/stand-in';
import { Simulator, startSimulator } from '../../src/simulator';
import { freshDatabase, mysqlAvailable, TestDatabase } from '../support/databases';
import { freshOpenEmr, TestOpenEmr } from '../support/openemr';
import { createOpenEmrServiceUser } from '../support/openemr-user';
import {
  addOpenEmrPatients,
  prepareVigilDatabase,
  scriptedScenarios,
} from '../support/scripted-cohort';
import { TcpProxy } from '../support/tcp-proxy';
import { VigilProcess } from '../support/vigil-process';
import { simulatorEnv } from '../support/wearables';

/**
 * Crash safety with real processes on MariaDB. Three worker processes sync a
 * scripted cohort, evaluate it and deliver into an OpenEMR database while the
 * test SIGKILLs them (during syncs, during restarts, and — through a test-only
 * hook — between an OpenEMR write and its outbox update), cuts their database
 * and OpenEMR's database, and makes the simulator answer 429/5xx storms. The
 * result must equal a clean single-process run's, row by row.
 *
 * CHAOS_KILLS (default 20) and CHAOS_PATIENTS (default 24) size the run; the
 * full profile is CHAOS_KILLS=100 CHAOS_PATIENTS=120.
 */
const KILLS = Number(process.env.CHAOS_KILLS ?? 20);
const PATIENTS = Number(process.env.CHAOS_PATIENTS ?? 24);
const WORKERS = 3;
/** Every worker's output, kept for reading after a red run. */
const LOGS = join(__dirname, '../artifacts/chaos', new Date().toISOString().replace(/[:.]/g, '-'));
/**
 * Past the outbox's 1-minute row lease and the 30 s sync lease, so what a crashed owner held is
 * free; kept at 6 minutes (it was past a 5-minute lease) so outbox retries backed off during the
 * storms (30 s doubling) come due as before.
 */
const LEASES_RUN_OUT_MS = 6 * 60_000;
/** The clinician who leaves mid-run (deactivated in OpenEMR), and the fallback who takes over. */
const LEAVER = 'drjones';
const FALLBACK = 'nurseward';

// Two runs on OpenEMR's real schema, on a 2-core machine shared with other work.
jest.setTimeout(Math.max(2_700_000, KILLS * 40_000));

/** What a failed run must not leave behind: processes, proxies. */
const cleanups: (() => Promise<unknown>)[] = [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const between = (min: number, max: number): number => min + Math.random() * (max - min);

interface Snapshot {
  aggregates: string[];
  outcomes: string[];
  alerts: string[];
  messages: string[];
  reminders: string[];
  duplicates: string[];
  stuck: string[];
  /** Outbox rows by kind and status, e.g. `message delivered` -> 12. */
  outbox: Record<string, number>;
}

(mysqlAvailable() ? describe : describe.skip)('crash safety (real processes, MariaDB)', () => {
  const keys = KeyRing.generateEntry('chaos');
  // Both runs live on yesterday at 18:00 UTC (the workers' clocks too): afternoon
  // or evening in every zone of the cohort, so no patient's day or evaluation
  // hour turns over between the two runs.
  const realToday = new Date().toISOString().slice(0, 10);
  const now = new Date(Date.parse(`${realToday}T18:00:00Z`) - 86_400_000);
  const today = now.toISOString().slice(0, 10);
  let sim: Simulator;

  beforeAll(async () => {
    // Frozen simulated time: both runs read exactly the same data.
    sim = await startSimulator({
      cohortSize: PATIENTS,
      seed: 'chaos',
      now,
      scenarios: scriptedScenarios(PATIENTS, today),
      rateLimitPerUserPerMinute: 0,
    });
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
    await sim.close();
  });

  it('survives kills, cut databases and API storms with exactly the result of a clean run', async () => {
    const reference = await runCluster(sim, keys, now, { workers: 1, chaos: false });
    const chaos = await runCluster(sim, keys, now, { workers: WORKERS, chaos: true });

    const compared = compare(reference.snapshot, chaos.snapshot);
    const delivery = {
      messages: tally(reference.snapshot, chaos.snapshot, 'messages', ['message', 'resolved']),
      reminders: tally(reference.snapshot, chaos.snapshot, 'reminders', ['reminder']),
    };
    process.stdout.write(
      [
        '',
        'Crash-safety summary',
        `  patients ${PATIENTS}, worker processes ${WORKERS}`,
        `  kills survived: ${chaos.counts.kills} (during a sync ${chaos.counts.duringSync}, during a restart ${chaos.counts.duringRestart}, at random ${chaos.counts.random}, after an OpenEMR write before its outbox update ${chaos.counts.afterWrite}, after a sync before its evaluation ${chaos.counts.beforeEvaluation})`,
        `  unplanned exits: ${chaos.counts.unplanned}`,
        `  faults injected: ${chaos.counts.storms} simulator 429/5xx storms (${sim.faults.list().length} left), ${chaos.counts.dbCuts} Vigil database cuts, ${chaos.counts.openEmrCuts} OpenEMR database outages`,
        `  staff and grants: ${LEAVER} deactivated ${chaos.counts.leaverDeactivated ? 'yes' : 'no'} (with ${chaos.counts.leaverRowsWhenDeactivated} outbox row(s) addressed to them), INSERT on pnotes revoked for ${(chaos.counts.grantRevokedMs / 1000).toFixed(1)} s (${chaos.counts.grantRefusals} row(s) refused with the grant named, ${chaos.counts.grantWarnings} warn line(s) naming it)`,
        `  outbox (clean run): ${describeOutbox(reference.snapshot.outbox)}`,
        `  outbox (chaos run): ${describeOutbox(chaos.snapshot.outbox)}`,
        `  messages: ${delivery.messages.delivered} delivered, ${delivery.messages.parked} parked, ${delivery.messages.duplicated} duplicated, ${delivery.messages.lost} lost`,
        `  reminders: ${delivery.reminders.delivered} delivered, ${delivery.reminders.parked} parked, ${delivery.reminders.duplicated} duplicated, ${delivery.reminders.lost} lost`,
        `  rows compared with the clean run: ${compared.rows} (${compared.differences.length} different)`,
        `  duplicates: ${chaos.snapshot.duplicates.length}, stuck leases or outbox rows: ${chaos.snapshot.stuck.length}`,
        ...compared.differences.slice(0, 20).map((d) => `  ${d.slice(0, 400)}`),
        '',
      ].join('\n'),
    );
    expect(reference.snapshot.alerts.length).toBeGreaterThan(0);
    expect(reference.snapshot.messages.length).toBeGreaterThan(0);
    expect(reference.snapshot.duplicates).toEqual([]);
    expect(chaos.counts.kills).toBeGreaterThanOrEqual(KILLS);
    expect(chaos.counts.afterWrite).toBeGreaterThan(0);
    expect(compared.differences).toEqual([]);
    expect(chaos.snapshot.duplicates).toEqual([]);
    expect(chaos.snapshot.stuck).toEqual([]);
    expect(chaos.counts.leaverDeactivated).toBe(true);
    expect(chaos.counts.grantRefusals).toBeGreaterThan(0);
    expect(chaos.counts.grantWarnings).toBeGreaterThan(0);
    for (const figures of [delivery.messages, delivery.reminders]) {
      expect(figures.delivered).toBeGreaterThan(0);
      expect({
        duplicated: figures.duplicated,
        lost: figures.lost,
        parked: figures.parked,
      }).toEqual({ duplicated: 0, lost: 0, parked: 0 });
    }
  });

  /**
   * Messages (or reminders) as staff see them: delivered rows in the chaos run,
   * parked rows, and rows in OpenEMR more often (duplicated) or less often
   * (lost) than in the clean run, counted one by one.
   */
  function tally(
    a: Snapshot,
    b: Snapshot,
    table: 'messages' | 'reminders',
    kinds: readonly string[],
  ): { delivered: number; parked: number; duplicated: number; lost: number } {
    const counted = (rows: string[]): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(row, (counts.get(row) ?? 0) + 1);
      return counts;
    };
    const left = counted(a[table]);
    const right = counted(b[table]);
    let duplicated = 0;
    let lost = 0;
    for (const key of new Set([...left.keys(), ...right.keys()])) {
      const diff = (right.get(key) ?? 0) - (left.get(key) ?? 0);
      if (diff > 0) duplicated += diff;
      else lost -= diff;
    }
    const marker = b.duplicates.filter((d) => d.startsWith('delivery ')).length;
    const of = (status: string): number =>
      kinds.reduce((n, kind) => n + (b.outbox[`${kind} ${status}`] ?? 0), 0);
    return {
      delivered: of('delivered'),
      parked: of('failed'),
      duplicated: duplicated + marker,
      lost,
    };
  }

  function compare(a: Snapshot, b: Snapshot): { rows: number; differences: string[] } {
    const differences: string[] = [];
    let rows = 0;
    for (const table of ['aggregates', 'outcomes', 'alerts', 'messages', 'reminders'] as const) {
      rows += Math.max(a[table].length, b[table].length);
      // Row by row, repeats counted: a message sent twice (to whom left and to
      // whom replaced them) is one too many even when both read the same.
      const right = [...b[table]];
      for (const row of a[table]) {
        const at = right.indexOf(row);
        if (at === -1) differences.push(`${table}: missing ${row}`);
        else right.splice(at, 1);
      }
      for (const row of right) differences.push(`${table}: extra ${row}`);
    }
    return { rows, differences: differences.slice(0, 50) };
  }
});

interface Counts {
  kills: number;
  duringSync: number;
  duringRestart: number;
  random: number;
  afterWrite: number;
  beforeEvaluation: number;
  unplanned: number;
  storms: number;
  dbCuts: number;
  openEmrCuts: number;
  leaverDeactivated: boolean;
  leaverRowsWhenDeactivated: number;
  grantRevokedMs: number;
  grantRefusals: number;
  grantWarnings: number;
}

function describeOutbox(outbox: Record<string, number>): string {
  return Object.entries(outbox)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([what, n]) => `${what} ${n}`)
    .join(', ');
}

/**
 * One run on a fresh Vigil database and a fresh OpenEMR: `workers` processes,
 * with or without chaos, then a final sync of everyone and a settled snapshot.
 */
async function runCluster(
  sim: Simulator,
  keys: string,
  simulatedNow: Date,
  options: { workers: number; chaos: boolean },
): Promise<{ snapshot: Snapshot; counts: Counts }> {
  const counts: Counts = {
    kills: 0,
    duringSync: 0,
    duringRestart: 0,
    random: 0,
    afterWrite: 0,
    beforeEvaluation: 0,
    unplanned: 0,
    storms: 0,
    dbCuts: 0,
    openEmrCuts: 0,
    leaverDeactivated: false,
    leaverRowsWhenDeactivated: 0,
    grantRevokedMs: 0,
    grantRefusals: 0,
    grantWarnings: 0,
  };
  const db: TestDatabase = await freshDatabase('mysql', { ENCRYPTION_KEYS: keys });
  const openEmr: TestOpenEmr = await freshOpenEmr('mysql');
  await addOpenEmrPatients(openEmr.db, PATIENTS);
  // Vigil reaches OpenEMR as a clinic's DBA set it up: exactly the documented grants.
  const serviceUser = await createOpenEmrServiceUser(openEmr);
  const env = loadEnvironment({
    ...simulatorEnv(sim),
    DATABASE_URL: db.url!,
    ENCRYPTION_KEYS: keys,
    BACKFILL_DAYS: '30',
  });
  const ds: DataSource = await prepareVigilDatabase(env, sim, PATIENTS);
  const server = new URL(db.url!);
  const vigilProxy = await new TcpProxy(server.hostname, Number(server.port || 3306)).start();
  const openEmrProxy = await new TcpProxy(server.hostname, Number(server.port || 3306)).start();
  cleanups.push(
    () => vigilProxy.stop(),
    () => openEmrProxy.stop(),
    () => openEmr.drop(),
    () => serviceUser.drop(),
    () => db.drop(),
  );
  const through = (url: string, proxy: TcpProxy): string => {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(proxy.port);
    return u.toString();
  };
  const baseOffsetMs = simulatedNow.getTime() - Date.now();
  let clockOffsetMs = baseOffsetMs;
  let chaosOn = options.chaos;
  const workerEnv = (): Record<string, string> => ({
    ...simulatorEnv(sim),
    ROLE: 'worker',
    DATABASE_URL: through(db.url!, vigilProxy),
    OPENEMR_DATABASE_URL: through(serviceUser.url, openEmrProxy),
    ALERT_FALLBACK_RECIPIENTS: 'nurseward',
    ENCRYPTION_KEYS: keys,
    BACKFILL_DAYS: '30',
    SYNC_TICK_SECONDS: '1',
    SYNC_CONCURRENCY: '4',
    SYNC_LEASE_SECONDS: '30',
    GOOGLE_HEALTH_TIMEOUT_MS: '5000',
    SHUTDOWN_TIMEOUT_MS: '3000',
    LOG_LEVEL: 'info',
    VIGIL_TEST_CLOCK_OFFSET_MS: String(clockOffsetMs),
    ...(chaosOn
      ? { VIGIL_TEST_CRASH_AFTER_OPENEMR_WRITE: '0.25', VIGIL_TEST_CRASH_BEFORE_EVALUATION: '0.15' }
      : {}),
  });

  // Connected "now" in real time, which is ahead of the workers' clock: due at theirs.
  await ds.query('UPDATE sync_states SET next_sync_at = ?', [simulatedNow]);
  const workers: VigilProcess[] = [];
  let generation = 0;
  const spawnWorker = (slot: number): VigilProcess => {
    const worker = new VigilProcess(
      `worker-${slot}.${generation++}`,
      workerEnv(),
      /VIGIL_TEST crash/,
      join(LOGS, options.chaos ? 'chaos' : 'clean'),
    );
    workers[slot] = worker;
    cleanups.push(() => worker.kill('SIGKILL'));
    return worker;
  };
  for (let slot = 0; slot < options.workers; slot++) spawnWorker(slot);
  await Promise.all(workers.map((w) => w.ready));

  // Supervisor: a worker that died (self-kill after an OpenEMR write, or any
  // unplanned exit) is restarted, as systemd or Kubernetes would.
  const planned = new Set<VigilProcess>();
  let supervising = true;
  const supervisor = (async () => {
    while (supervising) {
      for (let slot = 0; slot < workers.length; slot++) {
        const worker = workers[slot];
        if (worker.alive || planned.has(worker)) continue;
        const exit = await worker.exited;
        if (worker.watched.length > 0) {
          if (/OpenEMR write/.test(worker.watched[0])) counts.afterWrite += 1;
          else counts.beforeEvaluation += 1;
          counts.kills += 1;
        } else if (exit.signal !== 'SIGKILL') {
          counts.unplanned += 1;
          process.stdout.write(
            `${worker.name} exited unplanned (${exit.code ?? exit.signal}):\n${worker.tail.slice(-3000)}\n`,
          );
          await sleep(1000); // a supervisor's restart back-off
        }
        spawnWorker(slot);
      }
      await sleep(200);
    }
  })();

  const ownsLease = async (worker: VigilProcess): Promise<boolean> => {
    const [row] = await ds.query(
      'SELECT COUNT(*) AS n FROM sync_states WHERE lease_owner LIKE ? AND lease_expires_at > ?',
      [`%:${worker.child.pid}:%`, new Date(Date.now() + clockOffsetMs)],
    );
    return Number(row.n) > 0;
  };
  const resyncEveryone = (): Promise<unknown> =>
    ds.query('UPDATE sync_states SET next_sync_at = ? WHERE next_sync_at IS NOT NULL', [
      new Date(Date.now() + clockOffsetMs),
    ]);

  // A proxy down for a while (open connections cut, new ones refused), then back on its port.
  const outages = new Map<TcpProxy, Promise<void>>();
  const outage = (proxy: TcpProxy, ms: number): void => {
    outages.set(
      proxy,
      (async () => {
        await proxy.stop();
        await sleep(ms);
        await proxy.start();
        outages.delete(proxy);
      })(),
    );
  };

  // Staff and DBA, mid-run: once messages and reminders are queued, INSERT on
  // pnotes is revoked and granted back after a delivery was refused for it
  // (or three minutes); once rows are addressed to LEAVER, LEAVER is deactivated.
  let revokedAt: number | null = null;
  const countOf = async (sql: string): Promise<number> => Number((await ds.query(sql))[0].n);
  const restoreGrant = async (): Promise<void> => {
    if (revokedAt === null || counts.grantRevokedMs > 0) return;
    counts.grantRefusals = await countOf(
      "SELECT COUNT(*) AS n FROM deliveries WHERE last_error LIKE '%lacks INSERT on pnotes%'",
    );
    await serviceUser.grant('INSERT', 'pnotes');
    counts.grantRevokedMs = Date.now() - revokedAt;
  };
  const staffAndGrants = async (): Promise<void> => {
    if (revokedAt === null) {
      const queued = await countOf(
        "SELECT COUNT(*) AS n FROM deliveries WHERE kind IN ('message', 'reminder')",
      );
      if (queued > 0) {
        await serviceUser.revoke('INSERT', 'pnotes');
        revokedAt = Date.now();
      }
    } else if (counts.grantRevokedMs === 0) {
      const refused = await countOf(
        "SELECT COUNT(*) AS n FROM deliveries WHERE last_error LIKE '%lacks INSERT on pnotes%'",
      );
      if (refused > 0 || Date.now() - revokedAt > 180_000) await restoreGrant();
    }
    if (!counts.leaverDeactivated) {
      const addressed = await countOf(
        `SELECT COUNT(*) AS n FROM deliveries WHERE recipient = '${LEAVER}'`,
      );
      if (addressed > 0) {
        await openEmr.db.run((sql) =>
          sql.update('UPDATE users SET active = 0 WHERE username = ?', [LEAVER]),
        );
        counts.leaverDeactivated = true;
        counts.leaverRowsWhenDeactivated = addressed;
      }
    }
  };

  if (options.chaos) {
    let step = 0;
    while (counts.kills < KILLS) {
      step += 1;
      await staffAndGrants();
      if (step % 3 === 0) await resyncEveryone();
      if (step % 5 === 1) {
        counts.storms += 1;
        sim.faults.add({ kind: 'rate-limit', retryAfterSeconds: 1, count: 12 });
        sim.faults.add({ kind: step % 2 ? 'server-error' : 'unavailable', count: 12 });
      }
      if (step % 7 === 3 && !outages.has(vigilProxy)) {
        counts.dbCuts += 1;
        outage(vigilProxy, between(1000, 4000));
      }
      if (step % 6 === 2 && !outages.has(openEmrProxy)) {
        counts.openEmrCuts += 1;
        outage(openEmrProxy, between(3000, 12_000));
      }
      await sleep(between(500, 4000));
      const slot = Math.floor(Math.random() * workers.length);
      const victim = workers[slot];
      // A process that never gets to work proves nothing: kill started ones (restarts aside).
      if (!victim.alive || !victim.isReady) continue;
      const mode = step % 3;
      if (mode === 0) {
        // During a sync: wait (briefly) until this process holds a lease.
        let holding = false;
        for (let i = 0; i < 20 && !(holding = await ownsLease(victim)); i++) await sleep(100);
        if (!holding) continue;
        counts.duringSync += 1;
      } else if (mode === 1) {
        counts.random += 1;
      }
      planned.add(victim);
      await victim.kill('SIGKILL');
      counts.kills += 1;
      const replacement = spawnWorker(slot);
      if (mode === 2) {
        // During a restart: kill the new process while it starts, then start another.
        planned.add(replacement);
        await sleep(between(200, 2500));
        await replacement.kill('SIGKILL');
        counts.duringRestart += 1;
        counts.kills += 1;
        spawnWorker(slot);
      }
    }
    // Until one worker died between an OpenEMR write and its outbox update (the
    // hook's own kills), a delivery met the revoked grant and the leaver had
    // rows: deliveries need synced, evaluated patients first, and on a loaded
    // machine the kill loop can end before any (its outages keep OpenEMR away).
    sim.faults.clear();
    const deliveriesStarted = Date.now();
    while (
      (counts.afterWrite === 0 || !counts.leaverDeactivated || counts.grantRevokedMs === 0) &&
      Date.now() - deliveriesStarted < 600_000
    ) {
      await staffAndGrants();
      await sleep(1000);
    }
    await restoreGrant();
    // Calm: faults off, databases back, every clock moved past the leases a dead owner held.
    sim.faults.clear();
    await Promise.all(outages.values());
    chaosOn = false;
    for (const worker of workers) worker.stopCrashing();
    await sleep(13_000);
    clockOffsetMs = baseOffsetMs + LEASES_RUN_OUT_MS;
    for (const worker of workers) worker.setClockOffset(clockOffsetMs);
    // A rolling restart, as after a deploy: each worker stops cleanly and starts again.
    for (let slot = 0; slot < workers.length; slot++) {
      planned.add(workers[slot]);
      await workers[slot].kill('SIGTERM');
      await spawnWorker(slot).ready;
    }
  }

  // A last sync of everyone after the storms, then wait until the work settles.
  const finalRound = new Date(Date.now() + clockOffsetMs);
  await resyncEveryone();
  await settle(ds, finalRound);
  supervising = false;
  await supervisor;
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));

  const snapshot = await takeSnapshot(ds, openEmr);
  counts.grantWarnings = warnLinesNaming(
    join(LOGS, options.chaos ? 'chaos' : 'clean'),
    "OpenEMR's database user lacks INSERT on pnotes",
  );
  await ds.destroy();
  await vigilProxy.stop();
  await openEmrProxy.stop();
  await openEmr.drop();
  await db.drop();
  return { snapshot, counts };
}

/** Everyone synced since `since`, no sync lease held, no sync waiting for its evaluation, no outcome without its alert step nor step waiting, nothing pending, for 25 s in a row. */
async function settle(ds: DataSource, since: Date): Promise<void> {
  const deadline = Date.now() + 600_000;
  let quietSince: number | null = null;
  while (Date.now() < deadline) {
    const [row] = await ds.query(
      `SELECT
         (SELECT COUNT(*) FROM wearable_connections WHERE last_sync_at IS NULL OR last_sync_at < ?) AS unsynced,
         (SELECT COUNT(*) FROM sync_states WHERE lease_owner IS NOT NULL) AS leased,
         (SELECT COUNT(*) FROM deliveries WHERE status = 'pending') AS pending,
         (SELECT COUNT(*) FROM rule_outcomes WHERE alerts_applied_at IS NULL) AS unstepped,
         (SELECT COUNT(*) FROM alert_steps_due) AS steps,
         (SELECT COUNT(*) FROM evaluations_due) AS unevaluated`,
      [since],
    );
    const busy =
      Number(row.unsynced) +
      Number(row.leased) +
      Number(row.pending) +
      Number(row.unstepped) +
      Number(row.steps) +
      Number(row.unevaluated);
    if (busy > 0) quietSince = null;
    else if (quietSince === null) quietSince = Date.now();
    else if (Date.now() - quietSince > 25_000) return;
    await sleep(1000);
  }
  throw new Error('the cluster did not settle in 10 minutes');
}

/** What the clinic has in the end, in forms comparable between runs (no ids, no timestamps). */
async function takeSnapshot(ds: DataSource, openEmr: TestOpenEmr): Promise<Snapshot> {
  const aggregates = (await ds.query('SELECT * FROM daily_aggregates ORDER BY pid, date')).map(
    (r: Record<string, unknown>) => {
      const { id: _id, updated_at: _updated, ...rest } = r;
      return JSON.stringify(rest);
    },
  );
  const outcomes = (
    await ds.query(
      'SELECT pid, rule_id, rule_version, date, result, facts FROM rule_outcomes ORDER BY pid, rule_id, date',
    )
  ).map((r: Record<string, unknown>) => JSON.stringify(r));
  const alertRows: Record<string, unknown>[] = await ds.query(
    'SELECT pid, rule_id, rule_version, episode_start, severity, state, recipients FROM alerts ORDER BY pid, rule_id, episode_start',
  );
  const alerts = alertRows.map((r) =>
    JSON.stringify({ ...r, recipients: whoever(r.recipients as string | null) }),
  );
  const duplicates: string[] = [];
  const seen = new Set<string>();
  for (const r of alertRows) {
    const key = `alert ${String(r.pid)} ${String(r.rule_id)} ${String(r.episode_start)}`;
    if (seen.has(key)) duplicates.push(key);
    seen.add(key);
  }
  // OpenEMR through its own inbox and reminder queries; the delivery marker must be there once.
  const messages: string[] = [];
  const reminders: string[] = [];
  const markerCounts = new Map<string, number>();
  const countMarker = (text: string): void => {
    for (const m of text.matchAll(/\[vigil:([^\]]+)\]/g))
      markerCounts.set(m[1], (markerCounts.get(m[1]) ?? 0) + 1);
  };
  const withoutMarkers = (text: string): string =>
    text
      .replace(/\[vigil:[^\]]+\]/g, '[vigil:*]')
      .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?/g, '*')
      .replace(/deliveries\/[\w-]+/g, 'deliveries/*')
      .replace(new RegExp(` to (${LEAVER}|${FALLBACK})\\)`, 'g'), ` to ${standsIn(LEAVER)})`);
  for (const user of STAND_IN_USERS) {
    for (const m of await openEmrInbox(openEmr.db, user.username)) {
      countMarker(m.body);
      messages.push(
        JSON.stringify([standsIn(user.username), m.pid, m.title, withoutMarkers(m.body)]),
      );
    }
    for (const r of await openEmrReminders(openEmr.db, user.id, '9999-12-31')) {
      countMarker(r.text);
      reminders.push(
        JSON.stringify([
          standsIn(user.username),
          r.pid,
          r.dueDate,
          r.priority,
          withoutMarkers(r.text),
        ]),
      );
    }
  }
  const delivered: { marker: string }[] = await ds.query(
    "SELECT marker FROM deliveries WHERE kind IN ('message', 'resolved', 'reminder') AND status = 'delivered'",
  );
  for (const { marker } of delivered) {
    const n = markerCounts.get(marker) ?? 0;
    if (n !== 1) duplicates.push(`delivery ${marker} is in OpenEMR ${n} time(s)`);
  }
  const stuck = (
    await ds.query(
      `SELECT CONCAT('sync lease on connection ', connection_id) AS what FROM sync_states WHERE lease_owner IS NOT NULL
       UNION ALL SELECT CONCAT('outbox row ', id, ' ', kind, ' ', status) FROM deliveries WHERE status = 'pending' OR claimed_until IS NOT NULL`,
    )
  ).map((r: { what: string }) => r.what);
  const outbox: Record<string, number> = {};
  for (const r of await ds.query(
    'SELECT kind, status, COUNT(*) AS n FROM deliveries GROUP BY kind, status',
  ))
    outbox[`${String(r.kind)} ${String(r.status)}`] = Number(r.n);
  return { aggregates, outcomes, alerts, messages, reminders, duplicates, stuck, outbox };
}

/**
 * LEAVER is deactivated mid-run in the chaos run only; what was theirs goes to
 * FALLBACK from then on. Both count as one recipient when the runs are
 * compared, so each of those messages must still be there exactly once.
 */
function standsIn(username: string): string {
  return username === LEAVER || username === FALLBACK ? `${LEAVER}-or-${FALLBACK}` : username;
}

/** An alert's recipients, by username, with LEAVER and FALLBACK as one. */
function whoever(recipients: string | null): string[] {
  const list = JSON.parse(recipients ?? '[]') as { username: string }[];
  return [...new Set(list.map((r) => standsIn(r.username)))].sort();
}

/** Warn lines in a run's worker logs that contain `words`. */
function warnLinesNaming(dir: string, words: string): number {
  let n = 0;
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line.includes('"level":"warn"') && line.includes(words)) n += 1;
    }
  }
  return n;
}
