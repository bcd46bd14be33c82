/**
 * CPU of one incremental sync's read-and-reduce path, without the network or
 * the database: the simulator's answers to a day's first incremental sync
 * (5 local days, heart rate every 5 s) are recorded once, then replayed
 * through GoogleHealthReader, the roll-up conversion and downsampling, and
 * the process's CPU per sync is printed (ROUNDS replays, default 40). It is
 * the part of a worker's sync that grows with the data; database and rules
 * come on top (`npm run bench:ingest` measures the whole worker).
 * BENCH_SYNC_KIND=later replays a later sync the same day (today from local
 * midnight) instead, =unchecked a day's first that reads every re-read minute
 * (the day after a backfill; by default the minutes check's steady state).
 *
 *   npm run bench:hot-path
 */
import { BENCH_SYNC_KIND, benchSyncPlan } from './day-first-plan';
import { fingerprints } from '../src/ingest/minutes-check';
import { startSimulator } from '../src/simulator';
import { FITBIT_CADENCE_SECONDS } from '../src/simulator/heart-rate-cadence';
import { downsample } from '../src/aggregates/downsample';
import { GoogleHealthReader } from '../src/wearables/google-health/health-api-reader';
import { RequestBudget } from '../src/wearables/google-health/request-budget';
import {
  pointsFromRollUp,
  RolledUpType,
  RollUpWindow,
} from '../src/wearables/google-health/roll-ups';
import { SleepSession, WearablePoints } from '../src/wearables/google-health/points';
import { nightStarts } from '../src/aggregates/main-sleep';

const ROUNDS = Number(process.env.ROUNDS ?? 40);

async function main(): Promise<void> {
  const sim = await startSimulator({
    cohortSize: 5,
    seed: 'bench',
    rateLimitPerUserPerMinute: 0,
    heartRateCadenceSeconds: FITBIT_CADENCE_SECONDS,
  });
  const token = sim.grantTokens('sim-1').access_token;
  const recorded = new Map<string, { status: number; body: Buffer }>();
  const key = (url: URL | string, init?: RequestInit) =>
    `${String(url)}|${String(init?.body ?? '')}`;
  const recordingFetch: typeof fetch = async (url, init) => {
    const response = await fetch(url, init);
    const body = Buffer.from(await response.arrayBuffer());
    recorded.set(key(url as URL, init), { status: response.status, body });
    return new Response(new Uint8Array(body), { status: response.status });
  };
  const replayFetch: typeof fetch = async (url, init) => {
    const r = recorded.get(key(url as URL, init))!;
    return new Response(new Uint8Array(r.body), { status: r.status });
  };
  const now = Date.now();
  const timeZone = 'UTC';
  const env = { GOOGLE_HEALTH_API_BASE_URL: `${sim.url}/v4/`, GOOGLE_HEALTH_TIMEOUT_MS: 30_000 };
  const tokens = { accessToken: async () => token, refreshAfterUnauthorized: async () => token };
  const once = async (fetchFn: typeof fetch) => {
    const reader = new GoogleHealthReader(env, tokens, new RequestBudget(0), fetchFn);
    const context = { connectionId: 1, userBudget: new RequestBudget(0) };
    const points: Record<string, unknown> = {};
    await reader.pairedDevices(context);
    // The minutes check: both types' quarter hours, and the days' fingerprints, before any minute.
    const check = plan.minutesCheck;
    if (check !== null) {
      const byType = new Map<RolledUpType, RollUpWindow[]>();
      for (const q of check.queries) byType.set(q.dataType, await reader.rollUp(context, q));
      fingerprints(check, byType, timeZone);
    }
    for (const q of plan.wholeRange)
      if (q.method === 'list') points[q.dataType] = await reader.list(context, q);
    let days = 0;
    for (const chunk of plan.chunks) {
      for (const q of chunk.requests) {
        if (q.method !== 'rollUp') continue;
        const windows = await reader.rollUp(context, q);
        points[q.dataType] =
          q.dataType === 'heart-rate'
            ? pointsFromRollUp('heart-rate', windows, timeZone)
            : pointsFromRollUp('steps', windows, timeZone);
      }
      days += downsample(points as WearablePoints, { dates: chunk.dates }).length;
    }
    return days;
  };
  // The minutes start at the first night, as a sync plans them once its sleep list is read.
  const sleepReader = new GoogleHealthReader(env, tokens, new RequestBudget(0), fetch);
  const sleep = benchSyncPlan(now, timeZone).wholeRange.find((q) => q.dataType === 'sleep');
  const sessions =
    sleep?.method === 'list'
      ? await sleepReader.list({ connectionId: 1, userBudget: new RequestBudget(0) }, sleep)
      : [];
  const plan = benchSyncPlan(now, timeZone, nightStarts(sessions as SleepSession[]));
  await once(recordingFetch);
  await sim.close();
  const bytes = [...recorded.values()].reduce((s, r) => s + r.body.length, 0);
  for (let i = 0; i < 5; i++) await once(replayFetch); // warm-up
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < ROUNDS; i++) await once(replayFetch);
  const used = process.cpuUsage(cpu);
  console.log(
    `hot path of one ${BENCH_SYNC_KIND === 'later' ? 'later-the-same-day' : "day's-first"} incremental sync (${plan.from}..${plan.to}, ${recorded.size} requests, ${(bytes / 1024).toFixed(0)} KB): ` +
      `${((used.user + used.system) / 1000 / ROUNDS).toFixed(1)} ms CPU, ${((performance.now() - started) / ROUNDS).toFixed(1)} ms wall per sync over ${ROUNDS} rounds`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
