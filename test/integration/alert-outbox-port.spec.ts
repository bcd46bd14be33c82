import { DataSource } from 'typeorm';
import { StoredAlert } from '../../src/alerts/alert.entity';
import type { AlertOutbox } from '../../src/alerts/alert-outbox';
import { AlertService } from '../../src/alerts/alert-service';
import { AlertRepository } from '../../src/alerts/alert.repository';
import { AuditTrail } from '../../src/audit/audit-trail';
import { AuditEventRepository } from '../../src/audit/audit-event.repository';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { Transactions } from '../../src/database/transactions';
import { Delivery } from '../../src/delivery/delivery.entity';
import { LOW_SPO2 } from '../support/alert-rules';
import { freshDatabase, testEngines, type TestDatabase } from '../support/databases';

/**
 * The alert feature hands its notices to the outbox through a port (delivery
 * implements it); the alert change and its outbox row still commit together.
 */
describe.each(testEngines())('the alerts outbox port on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await freshDatabase(engine, { ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    dataSource = vigil.app.get(DataSource);
  });

  afterAll(async () => {
    await vigil?.shutdown('test finished');
    await db?.drop();
  });

  const firing = (pid: number) => ({
    pid,
    date: '2026-11-20',
    outcomes: [
      {
        rule: { ...LOW_SPO2, forDays: 1 },
        ruleVersion: 1,
        result: 'true' as const,
        facts: {},
        message: 'low',
      },
    ],
  });

  it('queues the notices through delivery in the alert change', async () => {
    const applied = await vigil.app.get(AlertService).applyEvaluation(firing(41));
    expect(applied.notices).toBe(1);
    const row = await dataSource
      .getRepository(Delivery)
      .findOneByOrFail({ id: applied.deliveryId! });
    expect(row).toMatchObject({ kind: 'routing', pid: 41, status: 'pending' });
  });

  it('stores no alert when the outbox refuses the announcement', async () => {
    const refusing: AlertOutbox = {
      announce: () => Promise.reject(new Error('outbox unavailable')),
    };
    const alerts = new AlertService(
      new Transactions(dataSource),
      new AlertRepository(dataSource),
      new AuditTrail(new AuditEventRepository(dataSource)),
      db.env,
      refusing,
    );
    await expect(alerts.applyEvaluation(firing(42))).rejects.toThrow('outbox unavailable');
    expect(await dataSource.getRepository(StoredAlert).countBy({ pid: 42 })).toBe(0);
  });
});
