import { DataSource } from 'typeorm';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { Enrollment } from '../../src/patients/enrollment.entity';
import { startSimulator, Simulator } from '../../src/simulator';
import { ConnectionTokens, RefreshDeferredError } from '../../src/wearables/connection-tokens';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { consent, enroll, invite, simulatorEnv, staffToken } from '../support/consent';
import { connectionTokensOn } from '../support/wearables';

const LATER = () => new Date(Date.now() + 60 * 60_000);

describe.each(testEngines())('token refresh on %s', (engine) => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  /** Other "processes": their own data sources and services on the same database. */
  const others: DataSource[] = [];
  let connectionId: number;

  const tokensOn = (dataSource: DataSource): ConnectionTokens => {
    const tokens = connectionTokensOn(dataSource, db.env);
    tokens.clock = LATER;
    return tokens;
  };

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 3 });
    // ROLE=api: no ingestion workers, so these tests alone decide when Google is called.
    db = await freshDatabase(engine, { ...simulatorEnv(sim), ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    const admin = await staffToken(vigil);
    await enroll(vigil, admin, 7);
    expect((await consent(vigil, await invite(vigil, admin, 7))).status).toBe(200);
    const dataSource = vigil.app.get(DataSource);
    const enrollment = await dataSource.getRepository(Enrollment).findOneByOrFail({ pid: 7 });
    connectionId = (
      await dataSource
        .getRepository(WearableConnection)
        .findOneByOrFail({ enrollmentId: enrollment.id })
    ).id;
    if (engine === 'mysql') {
      for (let i = 0; i < 3; i += 1) {
        others.push(await new DataSource(dataSourceOptions(db.env)).initialize());
      }
    }
  });

  afterAll(async () => {
    for (const dataSource of others) await dataSource.destroy();
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  afterEach(() => sim.faults.clear());

  const tokenCalls = (): number => sim.stats().byRoute['/token'] ?? 0;

  it('makes exactly one call to Google for 20 simultaneous refreshes', async () => {
    sim.resetStats();
    // A slow token endpoint keeps every caller waiting on the one refresh in flight.
    sim.faults.add({ kind: 'slow', target: 'token', delayMs: 300 });
    // MySQL: four "processes" (data sources with their own pools) contend on the row lock.
    // SQLite belongs to one process, whose transactions queue.
    const processes = [vigil.app.get(DataSource), ...others].map(tokensOn);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        processes[i % processes.length].accessToken(connectionId),
      ),
    );
    expect(sim.oauth.tokenRequests('refresh_token')).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(sim.oauth.lookup(results[0])).toMatchObject({ userId: 'sim-1' });
    // Stored before use: a fresh process reads the same token without calling Google.
    const fresh = await new DataSource(dataSourceOptions(db.env)).initialize();
    try {
      expect(await tokensOn(fresh).accessToken(connectionId)).toBe(results[0]);
    } finally {
      await fresh.destroy();
    }
    expect(sim.oauth.tokenRequests('refresh_token')).toBe(1);
  });

  it('backs off after a transient token-endpoint failure instead of hammering it', async () => {
    const tokens = tokensOn(vigil.app.get(DataSource));
    const start = Date.now() + 3 * 60 * 60_000;
    tokens.clock = () => new Date(start);
    sim.resetStats();
    sim.faults.add({ kind: 'unavailable', target: 'token', count: 1 });
    const failure = await tokens.accessToken(connectionId).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RefreshDeferredError);
    const retryAt = (failure as RefreshDeferredError).retryAt.getTime();
    expect(retryAt - start).toBe(30_000);
    await expect(tokens.accessToken(connectionId)).rejects.toBeInstanceOf(RefreshDeferredError);
    expect(tokenCalls()).toBe(1);

    tokens.clock = () => new Date(retryAt + 1);
    const token = await tokens.accessToken(connectionId);
    expect(tokenCalls()).toBe(2);
    expect(sim.oauth.lookup(token)).toMatchObject({ userId: 'sim-1' });
    const row = await vigil.app
      .get(DataSource)
      .getRepository(WearableConnection)
      .findOneByOrFail({ id: connectionId });
    expect([row.refreshFailures, row.refreshRetryAt]).toEqual([0, null]);
  });
});
