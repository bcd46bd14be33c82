import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AlertTransitionRow, StoredAlert } from '../../src/alerts/alert.entity';
import { KeyRing } from '../../src/crypto/key-ring';
import { SecretStore } from '../../src/crypto/secret-store';
import { StoredSecretRepository } from '../../src/crypto/stored-secret.repository';
import { backupDatabase, restoreDatabase } from '../../src/database/backup';
import { dataSourceOptions, sqlitePath } from '../../src/database/data-source-options';
import { migrateDatabase } from '../../src/database/migrate';
import { RuleOutcome } from '../../src/rules/rule-outcome.entity';
import { freshDatabase, TestDatabase, testEngines } from '../support/databases';

const TABLES = [
  'rule_outcomes',
  'alerts',
  'alert_transitions',
  'stored_secrets',
  'vigil_migrations',
];

async function open(db: TestDatabase): Promise<DataSource> {
  return new DataSource(dataSourceOptions(db.env)).initialize();
}

async function rowsOf(dataSource: DataSource): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const table of TABLES)
    rows[table] = await dataSource.query(`SELECT * FROM ${table} ORDER BY id`);
  return rows;
}

/** A database with what a clinic cannot lose: outcomes, an alert and its history, a sealed token. */
async function populate(dataSource: DataSource, db: TestDatabase): Promise<number> {
  const at = new Date('2026-11-20T06:15:00.123Z');
  await dataSource.getRepository(RuleOutcome).save([
    {
      pid: 7,
      ruleId: 'resting-hr-rise',
      ruleVersion: 2,
      date: '2026-11-19',
      result: 'true',
      facts: '{"restingHeartRate":71}',
      message: 'Resting heart rate 71, baseline 62',
      evaluatedAt: at,
      alertsAppliedAt: at,
    },
    {
      pid: 7,
      ruleId: 'sleep-deficit',
      ruleVersion: 1,
      date: '2026-11-19',
      result: 'insufficient_data',
      facts: 'null',
      message: 'Not enough sleep data',
      evaluatedAt: at,
      alertsAppliedAt: null,
    },
  ]);
  const alert = await dataSource.getRepository(StoredAlert).save({
    pid: 7,
    ruleId: 'resting-hr-rise',
    ruleVersion: 2,
    episodeStart: '2026-11-17',
    severity: 'warning',
    state: 'firing',
    lifecycle: '{"state":"firing"}',
    ruleTitle: 'Resting heart rate rise',
    message: 'Resting heart rate 71, baseline 62 — ünïcode',
    recipients: '[{"username":"drsmith","userId":3}]',
    routingReasons: null,
    firedAt: at,
    escalatedAt: null,
    createdAt: at,
    updatedAt: at,
  });
  await dataSource.getRepository(AlertTransitionRow).save({
    alertId: alert.id,
    occurredAt: at,
    localDate: '2026-11-19',
    fromState: 'pending',
    toState: 'firing',
    cause: 'held',
    actor: 'evaluation',
    note: null,
  });
  return new SecretStore(new StoredSecretRepository(dataSource), db.env).save(
    'google-refresh-token',
    '1//refresh-token-of-patient-7',
  );
}

describe.each(testEngines())('backup and restore on %s', (engine) => {
  const dirs: string[] = [];
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('restores a populated database into a fresh one: rows intact, tokens readable', async () => {
    const source = await freshDatabase(engine);
    dbs.push(source);
    const sourceDs = await open(source);
    await migrateDatabase(sourceDs);
    const secretId = await populate(sourceDs, source);
    const before = await rowsOf(sourceDs);
    await sourceDs.destroy();

    const dir = mkdtempSync(join(tmpdir(), 'vigil-backup-'));
    dirs.push(dir);
    const out = join(dir, 'b1');
    const manifest = await backupDatabase(source.env, out);
    expect(manifest).toMatchObject({
      format: 'vigil-backup/1',
      engine,
      keyIds: { test: 1 },
      tables: { rule_outcomes: 2, alerts: 1, alert_transitions: 1, stored_secrets: 1 },
    });
    expect(manifest.schemaVersion).toBe(
      before.vigil_migrations.at(-1) && (before.vigil_migrations.at(-1) as { name: string }).name,
    );
    // The key ring is not in the backup.
    const keyMaterial = source.env.ENCRYPTION_KEYS.split(':')[1];
    expect(readFileSync(join(out, manifest.data.file)).includes(keyMaterial)).toBe(false);

    const target = await freshDatabase(engine, { ENCRYPTION_KEYS: source.env.ENCRYPTION_KEYS });
    dbs.push(target);
    await restoreDatabase(target.env, out);
    const targetDs = await open(target);
    try {
      expect(await rowsOf(targetDs)).toEqual(before);
      expect(
        await new SecretStore(new StoredSecretRepository(targetDs), target.env).read(secretId),
      ).toBe('1//refresh-token-of-patient-7');
      // New rows continue after the restored ids.
      const next = await targetDs.getRepository(AlertTransitionRow).save({
        alertId: (before.alerts[0] as { id: string }).id,
        occurredAt: new Date(),
        localDate: '2026-11-20',
        fromState: 'firing',
        toState: 'acknowledged',
        cause: 'staff',
        actor: 'staff:drsmith',
        note: null,
      });
      expect(Number(next.id)).toBeGreaterThan(
        Number((before.alert_transitions[0] as { id: string }).id),
      );
    } finally {
      await targetDs.destroy();
    }
  }, 120_000);

  it("refuses before touching anything: a key ring without the backup's key, a damaged file, a database in use", async () => {
    const source = await freshDatabase(engine);
    dbs.push(source);
    const sourceDs = await open(source);
    await migrateDatabase(sourceDs);
    await populate(sourceDs, source);
    await sourceDs.destroy();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-backup-'));
    dirs.push(dir);
    const out = join(dir, 'b2');
    const manifest = await backupDatabase(source.env, out);

    const otherKeys = await freshDatabase(engine, {
      ENCRYPTION_KEYS: KeyRing.generateEntry('other'),
    });
    dbs.push(otherKeys);
    await expect(restoreDatabase(otherKeys.env, out)).rejects.toThrow(
      /sealed with key\(s\) test, which ENCRYPTION_KEYS does not have/,
    );
    if (engine === 'sqlite') expect(existsSync(sqlitePath(otherKeys.env))).toBe(false);
    else {
      const untouched = await open(otherKeys);
      expect(await untouched.query('SHOW TABLES')).toEqual([]);
      await untouched.destroy();
    }

    // The source itself is not empty: restoring over it is refused.
    await expect(restoreDatabase(source.env, out)).rejects.toThrow(/not empty|already exists/);

    const data = join(out, manifest.data.file);
    writeFileSync(data, Buffer.concat([readFileSync(data), Buffer.from('x')]));
    const fresh = await freshDatabase(engine, { ENCRYPTION_KEYS: source.env.ENCRYPTION_KEYS });
    dbs.push(fresh);
    await expect(restoreDatabase(fresh.env, out)).rejects.toThrow(
      /does not match the manifest's sha256/,
    );
  }, 120_000);
});
