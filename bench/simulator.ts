/**
 * The simulator's own CPU per sync: it serves the day's first incremental
 * sync (the requests Vigil sends: pairedDevices, the sparse lists, 1-minute
 * roll-ups of heart rate and steps over 5 local days, heart rate every 5 s)
 * to fresh patients of a 10,000-patient cohort, each once, as a cycle does.
 * The simulator runs in a child process, so the figure is its CPU alone
 * (process.cpuUsage), not the client's; it is steady under other load, where
 * wall time is not.
 *
 *   npm run bench:simulator
 *
 * BENCH_PATIENTS (default 200), BENCH_NOW (default 2026-11-28T15:00:00Z),
 * BENCH_SYNC_KIND=later (a later sync the same day: today from local midnight;
 * =unchecked: a day's first that reads every re-read minute, the day after a
 * backfill; by default the minutes check's steady state)
 * and BENCH_CPU_PROF=1 (writes the simulator's CPU profile to .prof/).
 */
import { fork } from 'node:child_process';
import { RangeRequest } from '../src/ingest/sync-plan';
import { BENCH_SYNC_KIND, benchSyncPlan } from './day-first-plan';
import { startSimulator } from '../src/simulator';
import { FITBIT_CADENCE_SECONDS } from '../src/simulator/heart-rate-cadence';
import { rollUpBody } from '../src/wearables/google-health/roll-ups';
import { parseDataPointsPage } from '../src/wearables/google-health/points';
import { nightStarts } from '../src/aggregates/main-sleep';

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 200);
const NOW = process.env.BENCH_NOW ?? '2026-11-28T15:00:00Z';

interface Usage {
  userMs: number;
  systemMs: number;
  rssMb: number;
}

/** The child: the simulator, answering `usage` with its CPU and RSS. */
async function serve(): Promise<void> {
  const sim = await startSimulator({
    cohortSize: 10_000,
    seed: 'bench',
    now: NOW,
    rateLimitPerUserPerMinute: 0,
    heartRateCadenceSeconds: FITBIT_CADENCE_SECONDS,
  });
  const send = (message: unknown): boolean => (process.send as (m: unknown) => boolean)(message);
  process.on('message', (message: { token?: string; usage?: true; stop?: true }) => {
    if (message.token) send({ token: sim.grantTokens(message.token).access_token });
    if (message.usage) {
      const cpu = process.cpuUsage();
      send({
        usage: {
          userMs: cpu.user / 1000,
          systemMs: cpu.system / 1000,
          rssMb: process.memoryUsage().rss / 2 ** 20,
        },
      });
    }
    if (message.stop) void sim.close().then(() => process.exit(0));
  });
  send({ url: sim.url });
}

async function measure(): Promise<void> {
  const child = fork(__filename, ['--serve'], {
    execArgv: [
      ...process.execArgv,
      ...(process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', '--cpu-prof-dir=.prof'] : []),
    ],
  });
  const replies: Array<(message: Record<string, unknown>) => void> = [];
  child.on('message', (message: Record<string, unknown>) => replies.shift()?.(message));
  const ask = (message?: unknown): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      replies.push(resolve);
      if (message !== undefined) child.send(message as object);
    });
  const url = (await ask()).url as string;
  const usage = async (): Promise<Usage> => (await ask({ usage: true })).usage as Usage;

  const get = async (
    token: string,
    path: string,
    body?: string,
  ): Promise<{ nextPageToken?: string }> => {
    const response = await fetch(`${url}/v4/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { nextPageToken?: string };
  };
  /** Follows a request to its last page; `pages` (if given) receives each page. */
  const follow = async (token: string, q: RangeRequest, pages?: unknown[]): Promise<number> => {
    let requests = 0;
    let pageToken: string | undefined;
    do {
      requests++;
      if (q.method === 'list') {
        const params = new URLSearchParams({ filter: q.filter, pageSize: String(q.pageSize) });
        if (q.dataSourceFamily) params.set('dataSourceFamily', q.dataSourceFamily);
        if (pageToken) params.set('pageToken', pageToken);
        const page = await get(token, `users/me/dataTypes/${q.dataType}/dataPoints?${params}`);
        pages?.push(page);
        pageToken = page.nextPageToken;
      } else {
        pageToken = (
          await get(
            token,
            `users/me/dataTypes/${q.dataType}/dataPoints:rollUp`,
            rollUpBody(q, pageToken ?? null),
          )
        ).nextPageToken;
      }
    } while (pageToken);
    return requests;
  };

  // Tokens and zones first: a sync reads neither.
  const patients: Array<{ token: string; timeZone: string }> = [];
  for (let i = 1; i <= PATIENTS; i++) {
    const token = (await ask({ token: `sim-${i}` })).token as string;
    const settings = (await get(token, 'users/me/settings')) as { timeZone?: string };
    patients.push({ token, timeZone: settings.timeZone ?? 'UTC' });
  }
  const now = Date.parse(NOW);
  const before = await usage();
  let requests = 0;
  for (const { token, timeZone } of patients) {
    const planned = benchSyncPlan(now, timeZone);
    await get(token, 'users/me/pairedDevices');
    requests++;
    const check = planned.minutesCheck;
    for (const q of check?.queries ?? [])
      requests += await follow(token, { method: 'rollUp', ...q });
    const sleepPages: unknown[] = [];
    for (const q of planned.wholeRange)
      requests += await follow(token, q, q.dataType === 'sleep' ? sleepPages : undefined);
    // The minutes start at the first night, as a sync plans them once its sleep list is read.
    const sessions = sleepPages.flatMap((page) => parseDataPointsPage('sleep', page).points);
    const plan = benchSyncPlan(now, timeZone, nightStarts(sessions));
    for (const q of plan.chunks.flatMap((c) => c.requests)) requests += await follow(token, q);
  }
  const after = await usage();
  child.send({ stop: true });
  const perSync = (ms: number): string => (ms / PATIENTS).toFixed(1);
  const user = after.userMs - before.userMs;
  const system = after.systemMs - before.systemMs;
  console.log(
    `simulator CPU per ${BENCH_SYNC_KIND === 'later' ? 'later-the-same-day' : "day's-first"} incremental sync: ${perSync(user + system)} ms ` +
      `(user ${perSync(user)}, system ${perSync(system)}; ` +
      `${PATIENTS} fresh patients of 10,000, ${(requests / PATIENTS).toFixed(1)} requests each, heart rate every 5 s); ` +
      `simulator RSS ${after.rssMb.toFixed(0)} MB`,
  );
}

(process.argv.includes('--serve') ? serve() : measure()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
