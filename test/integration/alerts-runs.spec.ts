import { ConflictException } from '@nestjs/common';
import { DataSource, MoreThanOrEqual } from 'typeorm';
import { StoredAlert } from '../../src/alerts/alert.entity';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { Dispatcher } from '../../src/delivery/dispatcher';
import { SyncRequests } from '../../src/ingest/sync-requests';
import type { SyncOutcome } from '../../src/ingest/sync-runner';
import { InFlightWork } from '../../src/lifecycle/in-flight-work';
import { openEmrInbox, type InboxMessage } from '../../src/openemr/stand-in';
import { Enrollment } from '../../src/patients/enrollment.entity';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { demoScenarios, startSimulator, type Simulator } from '../../src/simulator';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import request from 'supertest';
import {
  consent,
  disconnectPath,
  enroll,
  invite,
  simulatorEnv,
  staffToken,
} from '../support/consent';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';
import { freshOpenEmr, type TestOpenEmr, OPENEMR_SETUP_MS } from '../support/openemr';
import { connectPatient } from '../support/wearables';

jest.setTimeout(180_000);

/**
 * The whole path on the real stack: the simulator, Vigil on each engine, and
 * an OpenEMR stand-in read with OpenEMR's own inbox query.
 */
describe.each(testEngines())('alert runs into OpenEMR on %s', (engine) => {
  let sim: Simulator;
  let openemr: TestOpenEmr;
  let db: TestDatabase;
  let vigil: VigilApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    sim = await startSimulator({
      cohortSize: 6,
      scenarios: demoScenarios(new Date().toISOString().slice(0, 10)),
      // The expected alerts are the clinical scenarios', on tidy data.
      clean: true,
    });
    openemr = await freshOpenEmr(engine);
    // ROLE=api: no workers, so the test decides when syncs and deliveries happen.
    db = await freshDatabase(engine, {
      ...simulatorEnv(sim),
      ROLE: 'api',
      OPENEMR_DATABASE_URL: openemr.url,
      ALERT_FALLBACK_RECIPIENTS: 'nurseward',
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    dataSource = vigil.app.get(DataSource);
  }, OPENEMR_SETUP_MS);

  afterAll(async () => {
    await vigil?.shutdown('test finished');
    await db?.drop();
    await openemr?.drop();
    await sim?.close();
  });

  /** Syncs now, then waits for what the sync set going (evaluation, alerts). */
  async function sync(pid: number): Promise<SyncOutcome> {
    let outcome: SyncOutcome | undefined;
    for (let attempt = 0; outcome === undefined; attempt++) {
      try {
        outcome = await vigil.app.get(SyncRequests).syncNow(pid);
      } catch (error) {
        if (!(error instanceof ConflictException) || attempt > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    await settled();
    return outcome;
  }

  async function settled(): Promise<void> {
    const work = vigil.app.get(InFlightWork);
    for (let i = 0; i < 600 && work.count > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(work.count).toBe(0);
  }

  async function deliverAll(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      const { delivered, failed } = await vigil.app.get(Dispatcher).dispatchDue();
      expect(failed).toBe(0);
      if (delivered === 0) return;
    }
  }

  const inboxOf = async (username: string, pid: number): Promise<InboxMessage[]> =>
    (await openEmrInbox(openemr.db, username)).filter((m) => m.pid === pid);

  it('sends one grouped message for a backfill of several days', async () => {
    // Stand-in patient 2's provider is drjones; sim-2's resting heart rate has been rising.
    await connectPatient(dataSource, db.env, sim, 2, 'sim-2');
    expect(await sync(2)).toMatchObject({ status: 'synced' });
    const evaluated = await dataSource
      .getRepository(RuleOutcome)
      .createQueryBuilder('o')
      .select('COUNT(DISTINCT o.date)', 'n')
      .where('o.pid = :pid', { pid: 2 })
      .getRawOne<{ n: number | string }>();
    expect(Number(evaluated?.n)).toBeGreaterThan(1);
    await deliverAll();

    const inbox = await inboxOf('drjones', 2);
    expect(inbox).toHaveLength(1);
    const firing = await dataSource
      .getRepository(StoredAlert)
      .find({ where: { pid: 2, state: 'firing' }, order: { ruleId: 'ASC' } });
    expect(firing.length).toBeGreaterThan(1);
    expect(inbox[0].body).toContain(`${firing.length} wearable alerts`);
    for (const alert of firing) expect(inbox[0].body).toContain(alert.ruleTitle);
    expect(inbox[0].body).not.toContain('resolved');
    expect(await inboxOf('nurseward', 2)).toEqual([]);
  });

  it('tells the provider at once when Google refuses the consent, and closes it after reconsent and a sync', async () => {
    // Stand-in patient 1's provider is drsmith.
    const connection = await connectPatient(dataSource, db.env, sim, 1, 'sim-1');
    expect(await sync(1)).toMatchObject({ status: 'synced' });
    await deliverAll();
    const before = (await inboxOf('drsmith', 1)).length;

    // The patient revoked Vigil's access at Google; the next refresh gets invalid_grant.
    sim.oauth.revokeUser('sim-1');
    await dataSource
      .getRepository(WearableConnection)
      .update({ id: connection.id }, { accessExpiresAt: new Date(Date.now() - 60_000) });
    expect(await sync(1)).toMatchObject({ status: 'failed' });
    const enrollment = await dataSource.getRepository(Enrollment).findOneByOrFail({ pid: 1 });
    expect(enrollment.status).toBe('needs_reconsent');
    await deliverAll();

    const stopped = (await inboxOf('drsmith', 1)).slice(before);
    expect(stopped).toHaveLength(1);
    expect(stopped[0].body).toContain('Monitoring gap');
    expect(stopped[0].body).toContain('consent');
    const gap = await dataSource
      .getRepository(StoredAlert)
      .findOneByOrFail({ pid: 1, ruleId: 'monitoring-gap' });
    expect(gap.state).toBe('firing');

    // A second failing sync is no news.
    await sync(1).catch(() => undefined);
    await deliverAll();
    expect((await inboxOf('drsmith', 1)).slice(before)).toHaveLength(1);

    // The patient connects again; the days missed meanwhile arrive with the next sync.
    const admin = await staffToken(vigil);
    expect((await consent(vigil, await invite(vigil, admin, 1), { user: 'sim-1' })).status).toBe(
      200,
    );
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await dataSource
      .getRepository(DailyAggregateRow)
      .delete({ pid: 1, date: MoreThanOrEqual(yesterday) });
    expect(await sync(1)).toMatchObject({ status: 'synced' });
    await deliverAll();

    const after = (await inboxOf('drsmith', 1)).slice(before);
    expect(after).toHaveLength(2);
    expect(after[1].body).toContain('resolved');
    expect(after[1].body).toContain('Monitoring gap');
    expect(
      await dataSource.getRepository(StoredAlert).findOneByOrFail({ id: gap.id }),
    ).toMatchObject({ state: 'resolved' });
  });

  it('tells the provider at once when the patient disconnects with their own link', async () => {
    // Stand-in patient 5's provider is drsmith.
    const admin = await staffToken(vigil);
    await enroll(vigil, admin, 5);
    const connected = await consent(vigil, await invite(vigil, admin, 5), { user: 'sim-5' });
    expect(connected.status).toBe(200);
    expect(await sync(5)).toMatchObject({ status: 'synced' });
    await deliverAll();
    const before = (await inboxOf('drsmith', 5)).length;

    const stop = disconnectPath(connected.text);
    await request(vigil.url!).post(stop).expect(200);
    await settled();
    await deliverAll();

    const stopped = (await inboxOf('drsmith', 5)).slice(before);
    expect(stopped).toHaveLength(1);
    expect(stopped[0].body).toContain('Monitoring gap');
    expect(stopped[0].body).toContain('disconnected');
  });
});
