import { createServer } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { AccessTokenSource } from '../../src/ingest/access-tokens';
import { SyncRequests } from '../../src/ingest/sync-requests';
import { Simulator, startSimulator } from '../../src/simulator';
import { GoogleHealthReader } from '../../src/wearables/google-health/health-api-reader';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';
import { connectPatient, simulatorEnv } from '../support/wearables';

jest.setTimeout(120_000);

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The value of one series, `name{labels}`, or undefined when it is not exposed. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(testEngines())('Prometheus metrics on %s', (engine) => {
  let db: TestDatabase;
  let sim: Simulator;
  let vigil: VigilApp;
  let ds: DataSource;
  let metricsPort: number;

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 4, seed: 'metrics-test' });
    metricsPort = await freePort();
    db = await freshDatabase(engine, {
      ...simulatorEnv(sim),
      SYNC_TICK_SECONDS: '3600',
      METRICS_PORT: String(metricsPort),
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: new LogCapture().write });
    ds = vigil.app.get(DataSource);
    vigil.app.get(GoogleHealthReader).firstRetryMs = 5;
  });

  afterAll(async () => {
    await vigil?.shutdown('test finished');
    await sim?.close();
    await db?.drop();
  });

  const scrape = async (): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  it('exposes syncs, Google requests and 429s, queues, outbox and alerts, without PHI', async () => {
    expect(vigil.metricsUrl).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
    const pid = 918_273;
    const user = sim.cohort.user('sim-1')!;
    const connection = await connectPatient(ds, db.env, sim, pid, 'sim-1', {
      nextSyncAt: new Date(Date.now() + 3_600_000),
    });
    // A second patient due two minutes ago and left waiting (the scheduler ticks hourly).
    await connectPatient(ds, db.env, sim, 918_274, 'sim-2', {
      nextSyncAt: new Date(Date.now() - 120_000),
    });
    sim.faults.add({ kind: 'rate-limit', retryAfterSeconds: 0, count: 1 });

    const outcome = await vigil.app.get(SyncRequests).syncNow(pid);
    expect(outcome).toMatchObject({ status: 'synced' });

    let body = await scrape();
    // Rule evaluation follows the sync's commit; wait for it to be counted.
    for (
      let i = 0;
      i < 50 && !(sample(body, 'vigil_rule_evaluation_duration_seconds_count')! > 0);
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      body = await scrape();
    }

    expect(sample(body, 'vigil_sync_duration_seconds_count{outcome="synced"}')).toBe(1);
    expect(sample(body, 'vigil_sync_duration_seconds_sum{outcome="synced"}')).toBeGreaterThan(0);
    expect(sample(body, 'vigil_google_rate_limited_total')).toBe(1);
    expect(sample(body, 'vigil_google_requests_total{response="rate_limited"}')).toBe(1);
    expect(sample(body, 'vigil_google_requests_total{response="ok"}')).toBeGreaterThan(5);
    expect(sample(body, 'vigil_rule_evaluation_duration_seconds_count')).toBeGreaterThan(0);
    expect(sample(body, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);

    expect(sample(body, 'vigil_queue_depth{queue="sync_due"}')).toBe(1);
    const waited = sample(body, 'vigil_queue_oldest_age_seconds{queue="sync_due"}')!;
    expect(waited).toBeGreaterThanOrEqual(120);
    expect(waited).toBeLessThan(600);
    for (const queue of [
      'outbox_pending',
      'evaluations_due',
      'unstepped_outcomes',
      'pending_events',
    ]) {
      expect(sample(body, `vigil_queue_depth{queue="${queue}"}`)).toBeGreaterThanOrEqual(0);
      expect(
        sample(body, `vigil_queue_oldest_age_seconds{queue="${queue}"}`),
      ).toBeGreaterThanOrEqual(0);
    }
    expect(sample(body, 'vigil_outbox_backlog{kind="message"}')).toBeGreaterThanOrEqual(0);
    expect(sample(body, 'vigil_outbox_failed{kind="message"}')).toBe(0);
    expect(sample(body, 'vigil_alerts{state="firing",severity="urgent"}')).toBeGreaterThanOrEqual(
      0,
    );

    const token = await vigil.app.get(AccessTokenSource).accessToken(connection.id);
    for (const secret of [
      String(pid),
      '918274',
      user.healthUserId,
      user.legacyUserId,
      'sim-1',
      token,
    ])
      expect(body).not.toContain(secret);
  });

  it('answers only GET /metrics', async () => {
    expect((await fetch(`http://127.0.0.1:${metricsPort}/`)).status).toBe(404);
    expect(
      (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST' })).status,
    ).toBe(404);
  });
});

describe('metrics listener in a worker', () => {
  it('listens only when METRICS_PORT is set, in a worker too', async () => {
    const port = await freePort();
    // A worker serves no HTTP: any listen() is the metrics listener.
    const listens = jest.spyOn(NetServer.prototype, 'listen');
    try {
      const off = await freshDatabase('sqlite', { ROLE: 'worker', SYNC_TICK_SECONDS: '3600' });
      const quiet = await startVigil(off.env, { logWriter: new LogCapture().write });
      try {
        expect(quiet.metricsUrl).toBeUndefined();
        expect(listens).not.toHaveBeenCalled();
      } finally {
        await quiet.shutdown('test finished');
        await off.drop();
      }

      const on = await freshDatabase('sqlite', {
        ROLE: 'worker',
        SYNC_TICK_SECONDS: '3600',
        METRICS_PORT: String(port),
      });
      const worker = await startVigil(on.env, { logWriter: new LogCapture().write });
      try {
        expect(listens).toHaveBeenCalledTimes(1);
        expect(listens.mock.calls[0].slice(0, 2)).toEqual([port, '127.0.0.1']);
        const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(sample(body, 'vigil_queue_depth{queue="sync_due"}')).toBe(0);
      } finally {
        await worker.shutdown('test finished');
        await on.drop();
      }
    } finally {
      listens.mockRestore();
    }
  });
});
