import request from 'supertest';
import { DataSource } from 'typeorm';
import { dayWithoutData } from '../../src/aggregates/daily-aggregate';
import { DailyAggregates } from '../../src/aggregates/daily-aggregates.repository';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { StoredSecret } from '../../src/crypto/stored-secret.entity';
import { PatientDataPurge } from '../../src/patients/patient-data-purge';
import { startSimulator, Simulator } from '../../src/simulator';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { consent, enroll, invite, simulatorEnv, staffToken } from '../support/consent';

describe.each(testEngines())('RETENTION_ON_DISCONNECT=purge on %s', (engine) => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let url: string;
  let admin: string;
  let purge: PatientDataPurge;
  let dataSource: DataSource;

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 2 });
    db = await freshDatabase(engine, {
      ...simulatorEnv(sim),
      ROLE: 'api',
      RETENTION_ON_DISCONNECT: 'purge',
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    url = vigil.url ?? '';
    admin = await staffToken(vigil);
    purge = vigil.app.get(PatientDataPurge);
    dataSource = vigil.app.get(DataSource);
    await enroll(vigil, admin, 55);
    expect((await consent(vigil, await invite(vigil, admin, 55))).status).toBe(200);
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  const disconnect = () =>
    request(url).delete('/api/v1/patients/55/connection').auth(admin, { type: 'bearer' });
  const secretCount = () => dataSource.getRepository(StoredSecret).count();

  it('runs every registered step inside the disconnect transaction', async () => {
    expect([...purge.registered].sort()).toEqual(['daily aggregates', 'wearable connection']);
    const days = vigil.app.get(DailyAggregates);
    await days.upsert(55, [{ ...dayWithoutData('2026-11-20'), steps: 4000 }]);
    await days.upsert(56, [{ ...dayWithoutData('2026-11-20'), steps: 6000 }]);
    const stored = async (pid: number) =>
      (await days.series(pid, '2026-11-01', '2026-11-30')).length;
    const seen: number[] = [];
    purge.register('audit probe (test)', async (manager, enrollment) => {
      seen.push(Number(enrollment.pid));
      await manager.getRepository(AuditEvent).insert({
        occurredAt: new Date(),
        actor: 'test',
        action: 'test.purge_step_ran',
        subjectType: 'enrollment',
        subjectId: String(enrollment.id),
        pid: enrollment.pid,
        details: null,
      });
    });
    purge.register('failing step (test)', async () => {
      throw new Error('purge step failed');
    });
    const secrets = await secretCount();

    await disconnect().expect(500);
    expect(seen).toEqual([55]);
    // Rolled back with the rest: the step's write, the erased tokens, the status.
    expect(
      await dataSource.getRepository(AuditEvent).countBy({ action: 'test.purge_step_ran' }),
    ).toBe(0);
    expect(await secretCount()).toBe(secrets);
    expect(await stored(55)).toBe(1);
    const still = await request(url).get('/api/v1/patients/55').auth(admin, { type: 'bearer' });
    expect(still.body).toMatchObject({ status: 'active', connection: { connected: true } });

    purge.register('failing step (test)', async () => undefined);
    const done = await disconnect().expect(200);
    expect(done.body).toEqual({ pid: 55, revokedAtProvider: true, retention: 'purge' });
    expect(seen).toEqual([55, 55]);
    expect(
      await dataSource.getRepository(AuditEvent).countBy({ action: 'test.purge_step_ran' }),
    ).toBe(1);
    expect(await secretCount()).toBe(secrets - 2);
    expect([await stored(55), await stored(56)]).toEqual([0, 1]);
    const after = await request(url).get('/api/v1/patients/55').auth(admin, { type: 'bearer' });
    expect(after.body).toMatchObject({ status: 'paused', connection: null });
    const audit = await dataSource
      .getRepository(AuditEvent)
      .findOneByOrFail({ pid: 55, action: 'connection.disconnected' });
    expect(JSON.parse(audit.details!)).toMatchObject({
      retention: 'purge',
      purged: expect.arrayContaining([
        'wearable connection',
        'daily aggregates',
        'audit probe (test)',
      ]),
    });
  });
});
