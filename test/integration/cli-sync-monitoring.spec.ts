import { DataSource } from 'typeorm';
import { StoredAlert } from '../../src/alerts/alert.entity';
import { lifecycleOf } from '../../src/alerts/alert-service';
import { AuditTrail } from '../../src/audit/audit-trail';
import { AuditEventRepository } from '../../src/audit/audit-event.repository';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { SecretStore } from '../../src/crypto/secret-store';
import { StoredSecretRepository } from '../../src/crypto/stored-secret.repository';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { PendingEvent } from '../../src/events/pending-event.entity';
import { syncFromCli } from '../../src/ingest/sync-command';
import { Enrollment } from '../../src/patients/enrollment.entity';
import { startSimulator, type Simulator } from '../../src/simulator';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';
import { connectPatient, simulatorEnv } from '../support/wearables';

jest.setTimeout(120_000);

/**
 * `vigil sync <pid>` runs without Nest and without listeners. When Google
 * refuses the stored consent during it, the monitoring-gap alert must still be
 * raised: the command records the event with the enrollment's move, and a
 * running worker hands it to the alerts.
 */
describe.each(testEngines())('vigil sync after Google refused the consent on %s', (engine) => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let dataSource: DataSource;
  /** The command's own connection: another process's pool on MySQL; SQLite belongs to one process. */
  let commandDataSource: DataSource;

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 2 });
    db = await freshDatabase(engine, { ...simulatorEnv(sim), ROLE: 'worker' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    dataSource = vigil.app.get(DataSource);
    commandDataSource =
      engine === 'mysql'
        ? await new DataSource(dataSourceOptions(db.env)).initialize()
        : dataSource;
  });

  afterAll(async () => {
    if (commandDataSource !== dataSource) await commandDataSource?.destroy();
    await vigil?.shutdown('test finished');
    await db?.drop();
    await sim?.close();
  });

  it('raises the monitoring-gap alert through a worker', async () => {
    // Due tomorrow: the worker does not sync this patient itself, only the command does.
    const connection = await connectPatient(dataSource, db.env, sim, 3, 'sim-1', {
      nextSyncAt: new Date(Date.now() + 86_400_000),
    });
    sim.oauth.revokeUser('sim-1');
    await dataSource
      .getRepository(WearableConnection)
      .update({ id: connection.id }, { accessExpiresAt: new Date(Date.now() - 60_000) });

    const outcome = await syncFromCli(
      {
        env: db.env,
        dataSource: commandDataSource,
        secrets: new SecretStore(new StoredSecretRepository(commandDataSource), db.env),
        audit: new AuditTrail(new AuditEventRepository(commandDataSource)),
      },
      3,
    );
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(await dataSource.getRepository(Enrollment).findOneByOrFail({ pid: 3 })).toMatchObject({
      status: 'needs_reconsent',
    });

    let gap: StoredAlert | null = null;
    for (let i = 0; i < 120 && gap === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      gap = await dataSource
        .getRepository(StoredAlert)
        .findOneBy({ pid: 3, ruleId: 'monitoring-gap' });
    }
    expect(gap).not.toBeNull();
    expect(gap!.state).toBe('firing');
    expect(lifecycleOf(gap!).monitoringStopped).toBe('needs_reconsent');
    expect(await dataSource.getRepository(PendingEvent).count()).toBe(0);
  });
});
