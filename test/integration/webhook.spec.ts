import { DataSource } from 'typeorm';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { addDays } from '../../src/time';
import { SyncState } from '../../src/ingest/sync-state.entity';
import { WebhookKeyset } from '../../src/ingest/webhook-keyset';
import { SIGNATURE_HEADER, Simulator, startSimulator } from '../../src/simulator';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { connectPatient, nextSyncOf, setNextSync, simulatorEnv } from '../support/wearables';

const SECRET = 'webhook-secret-0123456789';

describe.each(testEngines())('the Google Health webhook on %s', (engine) => {
  let db: TestDatabase;
  let sim: Simulator;
  let vigil: VigilApp;
  let ds: DataSource;
  let endpoint: string;
  let connection: WearableConnection;
  const later = () => new Date(Date.now() + 3_600_000);

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 5, seed: 'webhook-test' });
    db = await freshDatabase(engine, {
      ...simulatorEnv(sim),
      GOOGLE_HEALTH_WEBHOOK_SECRET: SECRET,
      SYNC_TICK_SECONDS: '3600',
      ROLE: 'api',
    });
    vigil = await startVigil(db.env, { port: 0 });
    ds = vigil.app.get(DataSource);
    endpoint = `${vigil.url}/webhooks/google-health`;
    connection = await connectPatient(ds, db.env, sim, 501, 'sim-1', { nextSyncAt: later() });
    await ds
      .getRepository(SyncState)
      .update(
        { connectionId: connection.id },
        { cursorDate: addDays(new Date().toISOString().slice(0, 10), -2) },
      );
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  const due = async () => (await nextSyncOf(ds, connection.id))!.getTime() <= Date.now();
  const reset = () => setNextSync(ds, connection.id, later());

  it('answers the verification handshake only with the right secret', async () => {
    expect(await sim.webhooks.verifyEndpoint(endpoint, SECRET)).toEqual({
      verified: true,
      withSecret: 201,
      withoutSecret: 401,
    });
    expect(
      (await sim.webhooks.verifyEndpoint(endpoint, 'wrong-secret-0123456789')).withSecret,
    ).toBe(401);
  });

  it('queues an early sync for a signed notification and re-reads from its interval', async () => {
    const tenDaysAgo = addDays(new Date().toISOString().slice(0, 10), -10);
    const delivery = await sim.notify(endpoint, SECRET, {
      userId: 'sim-1',
      dataType: 'steps',
      operation: 'UPSERT',
      intervals: [{ startTime: `${tenDaysAgo}T10:00:00Z`, endTime: `${tenDaysAgo}T11:00:00Z` }],
    });
    expect(delivery.status).toBe(204);
    expect(await due()).toBe(true);
    const state = await ds
      .getRepository(SyncState)
      .findOneByOrFail({ connectionId: connection.id });
    expect(state.rereadFrom).toBe(addDays(tenDaysAgo, -1));
    // Only the named type is read again for those days.
    expect(state.rereadDataTypes).toBe('steps');
  });

  it('answers a replayed notification 204 and does nothing', async () => {
    await reset();
    const body = JSON.stringify([
      {
        data: {
          healthUserId: connection.healthUserId,
          dataType: 'sleep',
          operation: 'UPSERT',
          intervals: [],
          replayProbe: Date.now(),
        },
      },
    ]);
    const send = () =>
      fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: SECRET,
          [SIGNATURE_HEADER]: sim.webhooks.sign(Buffer.from(body)),
        },
        body,
      });
    expect((await send()).status).toBe(204);
    expect(await due()).toBe(true);
    await reset();
    expect((await send()).status).toBe(204);
    expect(await due()).toBe(false);
  });

  it('refuses a bad signature, a bad secret and an unsigned body, queueing nothing', async () => {
    await reset();
    const body = JSON.stringify([
      {
        data: {
          healthUserId: connection.healthUserId,
          dataType: 'steps',
          operation: 'UPSERT',
          intervals: [],
        },
      },
    ]);
    const signed = sim.webhooks.sign(Buffer.from(body));
    const tampered = body.replace('steps', 'sleep');
    const post = (headers: Record<string, string>, payload = body) =>
      fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
      });
    expect(
      (await post({ authorization: SECRET, [SIGNATURE_HEADER]: signed }, tampered)).status,
    ).toBe(401);
    expect((await post({ authorization: 'nope', [SIGNATURE_HEADER]: signed })).status).toBe(401);
    expect((await post({ authorization: SECRET })).status).toBe(401);
    expect(await due()).toBe(false);
    // The older header name is accepted too.
    expect((await post({ authorization: SECRET, 'X-HEALTHAPI-SIGNATURE': signed })).status).toBe(
      204,
    );
    expect(await due()).toBe(true);
  });

  it('ignores unknown users', async () => {
    await reset();
    const delivery = await sim.notify(endpoint, SECRET, {
      userId: 'sim-2',
      dataType: 'sleep',
      operation: 'UPSERT',
      intervals: [],
    });
    expect(delivery.status).toBe(204);
    expect(await due()).toBe(false);
  });

  it('fetches the keyset again when Google rotates its key', async () => {
    await reset();
    vigil.app.get(WebhookKeyset).refetchAfterMs = 0;
    sim.webhooks.rotate();
    sim.webhooks.retireOldKeys();
    const delivery = await sim.notify(endpoint, SECRET, {
      userId: 'sim-1',
      dataType: 'heart-rate',
      operation: 'UPSERT',
      intervals: [],
    });
    expect(delivery.status).toBe(204);
    expect(await due()).toBe(true);
  });
});
