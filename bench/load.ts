/**
 * Load benchmark: autocannon against a running Vigil on loopback, on MariaDB,
 * while worker processes sync a simulated cohort in the background.
 *
 *   npm run bench:load
 *
 * One API process (ROLE=api) and LOAD_WORKERS worker processes (ROLE=worker,
 * default 2) share a fresh MariaDB database; LOAD_PATIENTS simulated patients
 * (default 300) are made due for a sync every few seconds. Each endpoint is
 * driven for LOAD_SECONDS (default 20) at LOAD_CONNECTIONS concurrent
 * connections (default 20):
 *   - GET /health/ready (public),
 *   - GET /api/v1/alerts (an admin API token),
 *   - POST /webhooks/google-health (notifications signed by the simulator's
 *     key, the subscriber secret, from 32 sender addresses as Google uses a
 *     pool: the endpoint's per-address limit is 100/s).
 * Prints requests/s and p50/p99 latency per endpoint, and PASS/FAIL for the
 * webhook's p99 under 1 s (exit code 1 on FAIL).
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { AuditTrail } from '../src/audit/audit-trail';
import { AuditEventRepository } from '../src/audit/audit-event.repository';
import { ApiTokenRepository } from '../src/auth/api-token.repository';
import { ApiTokens } from '../src/auth/api-tokens';
import { Transactions } from '../src/database/transactions';
import { loadEnvironment } from '../src/config/environment';
import { KeyRing } from '../src/crypto/key-ring';
import { startSimulator } from '../src/simulator';
import { SIGNATURE_HEADER } from '../src/simulator/webhooks';
import { freshDatabase } from '../test/support/databases';
import { freePort } from '../test/support/processes';
import { prepareVigilDatabase } from '../test/support/scripted-cohort';
import { VigilProcess } from '../test/support/vigil-process';
import { simulatorEnv } from '../test/support/wearables';

const PATIENTS = Number(process.env.LOAD_PATIENTS ?? 300);
const WORKERS = Number(process.env.LOAD_WORKERS ?? 2);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 20);
const WEBHOOK_P99_LIMIT_MS = 1000;
const WEBHOOK_SECRET = 'load-benchmark-webhook-secret';

interface Row {
  endpoint: string;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** Status codes other than 2xx, with counts. */
  codes: string;
  errors: number;
}

async function main(): Promise<void> {
  process.env.VIGIL_TEST_MYSQL = 'available';
  const keys = KeyRing.generateEntry('load');
  const sim = await startSimulator({
    cohortSize: PATIENTS,
    seed: 'load',
    rateLimitPerUserPerMinute: 0,
  });
  const db = await freshDatabase('mysql', { ENCRYPTION_KEYS: keys });
  const env = loadEnvironment({
    ...simulatorEnv(sim),
    DATABASE_URL: db.url!,
    ENCRYPTION_KEYS: keys,
    BACKFILL_DAYS: '14',
  });
  const ds = await prepareVigilDatabase(env, sim, PATIENTS);
  const { token } = await new ApiTokens(
    new Transactions(ds),
    new ApiTokenRepository(ds),
    new AuditTrail(new AuditEventRepository(ds)),
  ).issue('admin', 'load', 'bench');

  const port = await freePort();
  const common = {
    ...simulatorEnv(sim),
    DATABASE_URL: db.url!,
    ENCRYPTION_KEYS: keys,
    BACKFILL_DAYS: '14',
    GOOGLE_HEALTH_WEBHOOK_SECRET: WEBHOOK_SECRET,
    GOOGLE_HEALTH_WEBHOOK_KEYSET_URL: `${sim.url}/__sim/webhook-keyset`,
    LOG_LEVEL: 'info',
    // The load comes from loopback with X-Forwarded-For spreading it over many addresses.
    TRUST_PROXY: 'loopback',
  };
  const api = new VigilProcess('api', { ...common, ROLE: 'api', PORT: String(port) });
  await api.ready;
  const workers = Array.from(
    { length: WORKERS },
    (_, i) =>
      new VigilProcess(`worker-${i}`, {
        ...common,
        ROLE: 'worker',
        SYNC_TICK_SECONDS: '1',
        SYNC_CONCURRENCY: '4',
      }),
  );
  await Promise.all(workers.map((w) => w.ready));
  const base = `http://127.0.0.1:${port}`;

  // Background syncs: everyone due again every 5 s.
  let synced = 0;
  const countSynced = async (): Promise<number> =>
    Number(
      (await ds.query('SELECT COUNT(*) AS n FROM sync_states WHERE last_success_at IS NOT NULL'))[0]
        .n,
    );
  const background = setInterval(() => {
    void ds
      .query('UPDATE sync_states SET next_sync_at = ? WHERE next_sync_at IS NOT NULL', [new Date()])
      .catch(() => undefined);
  }, 5000);

  // Every notification distinct (its interval ends a different second): identical signed bytes
  // are replays, which the webhook answers without doing anything.
  const signed = (i: number) => {
    const user = sim.cohort.user(`sim-${(i % PATIENTS) + 1}`)!;
    const day = new Date(Date.now() - ((i % 3) + 1) * 86_400_000).toISOString().slice(0, 10);
    const second = String(i % 60).padStart(2, '0');
    const minute = String(Math.floor(i / 60) % 60).padStart(2, '0');
    const hour = String(Math.floor(i / 3600) % 24).padStart(2, '0');
    const body = JSON.stringify([
      {
        data: {
          healthUserId: user.healthUserId,
          dataType: 'steps',
          operation: 'UPSERT',
          intervals: [
            { startTime: `${day}T00:00:00Z`, endTime: `${day}T${hour}:${minute}:${second}Z` },
          ],
        },
      },
    ]);
    return { body, signature: sim.webhooks.sign(Buffer.from(body)) };
  };
  let next = 0;

  const rows: Row[] = [];
  const requestsBefore = sim.stats().total;
  const started = Date.now();
  const run = async (endpoint: string, options: autocannon.Options): Promise<void> => {
    const result = await autocannon({ duration: SECONDS, connections: CONNECTIONS, ...options });
    rows.push({
      endpoint,
      requests: result.requests.total,
      perSecond: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      codes: Object.entries(result.statusCodeStats ?? {})
        .filter(([code]) => !code.startsWith('2'))
        .map(([code, stat]) => `${code} x${stat.count}`)
        .join(', '),
      errors: result.errors + result.timeouts,
    });
  };
  await run('GET /health/ready', { url: `${base}/health/ready` });
  await run('GET /api/v1/alerts', {
    url: `${base}/api/v1/alerts`,
    headers: { authorization: `Bearer ${token}` },
  });
  await run('POST /webhooks/google-health', {
    url: `${base}/webhooks/google-health`,
    method: 'POST',
    requests: [
      {
        setupRequest: (request) => {
          const notification = signed(next++);
          return {
            ...request,
            body: notification.body,
            headers: {
              'content-type': 'application/json',
              authorization: WEBHOOK_SECRET,
              [SIGNATURE_HEADER]: notification.signature,
              'x-forwarded-for': `203.0.113.${next % 32}`,
            },
          };
        },
      },
    ],
  });
  clearInterval(background);
  synced = await countSynced();
  const apiRequests = sim.stats().total - requestsBefore;
  const seconds = (Date.now() - started) / 1000;

  const health = await Promise.all([api, ...workers].map((p) => p.sample()));
  for (const p of [api, ...workers]) await p.kill('SIGTERM');
  await ds.destroy();
  await sim.close();
  await db.drop();

  const pad = (v: string | number, n: number): string => String(v).padStart(n);
  const out = [
    '',
    `Load on loopback: Vigil on MariaDB, 1 API process + ${WORKERS} worker process(es), ${PATIENTS} simulated patients made due every 5 s`,
    `${CONNECTIONS} connections, ${SECONDS} s per endpoint; load generator and simulator share this process`,
    '',
    `${'endpoint'.padEnd(30)} ${pad('requests', 9)} ${pad('req/s', 8)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('non-2xx', 8)} ${pad('errors', 7)}`,
    ...rows.map(
      (r) =>
        `${r.endpoint.padEnd(30)} ${pad(r.requests, 9)} ${pad(r.perSecond.toFixed(0), 8)} ${pad(r.p50, 7)} ${pad(r.p99, 7)} ${pad(r.non2xx, 8)} ${pad(r.errors, 7)}${r.codes ? `  (${r.codes})` : ''}`,
    ),
    '',
    `Background during the run: ${apiRequests} Google Health API requests served to the workers (${(apiRequests / seconds).toFixed(0)}/s), ${synced} of ${PATIENTS} patients synced at least once`,
    `RSS after the run (MB): ${health.map((h, i) => `${i === 0 ? 'api' : `worker-${i - 1}`} ${h ? (h.rss / 1048576).toFixed(0) : '?'}`).join(', ')}`,
  ];
  const webhook = rows.find((r) => r.endpoint.startsWith('POST'))!;
  const pass = webhook.p99 < WEBHOOK_P99_LIMIT_MS && webhook.errors === 0 && webhook.non2xx === 0;
  out.push(
    `Webhook p99 ${webhook.p99} ms under load (limit ${WEBHOOK_P99_LIMIT_MS} ms, every answer 2xx): ${pass ? 'PASS' : 'FAIL'}`,
    '',
  );
  process.stdout.write(out.join('\n'));
  process.exitCode = pass ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:load failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
