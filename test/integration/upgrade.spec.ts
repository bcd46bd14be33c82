import { DataSource } from 'typeorm';
import { schemaFinding } from '../../src/cli/doctor';
import { SecretStore } from '../../src/crypto/secret-store';
import { StoredSecretRepository } from '../../src/crypto/stored-secret.repository';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrateDatabase } from '../../src/database/migrate';
import {
  appliedMigrations,
  compareSchema,
  knownMigrations,
} from '../../src/database/schema-version';
import { freshDatabase, TestDatabase, testEngines } from '../support/databases';

/** How many of the latest migrations the "previous release" lacks. */
const BEHIND = 3;

describe.each(testEngines())('upgrading a %s database', (engine) => {
  let db: TestDatabase;
  afterEach(() => db?.drop());

  it('from an earlier migration state to head, with rows in it; dry run and doctor agree', async () => {
    db = await freshDatabase(engine);
    const options = dataSourceOptions(db.env);
    const known = knownMigrations(engine);
    // The previous release: every migration but the last few.
    const previous = await new DataSource({
      ...options,
      migrations: (options.migrations as unknown[]).slice(0, known.length - BEHIND),
    } as typeof options).initialize();
    await migrateDatabase(previous);
    const secretId = await new SecretStore(new StoredSecretRepository(previous), db.env).save(
      'google-refresh-token',
      '1//kept',
    );
    await previous.query(
      "INSERT INTO daily_aggregates (pid, date, steps, coverage, updated_at) VALUES (7, '2026-11-19', 8123, '{}', '2026-11-20 06:00:00.000')",
    );
    await previous.destroy();

    const current = await new DataSource(options).initialize();
    try {
      const before = compareSchema(known, await appliedMigrations(current));
      expect(before).toEqual({ pending: known.slice(-BEHIND), unknown: [] });
      expect(schemaFinding(before)).toMatchObject({ ok: false });

      expect(await migrateDatabase(current)).toEqual(known.slice(-BEHIND));
      const after = compareSchema(known, await appliedMigrations(current));
      expect(after).toEqual({ pending: [], unknown: [] });
      expect(schemaFinding(after)).toMatchObject({ ok: true });
      expect(
        await new SecretStore(new StoredSecretRepository(current), db.env).read(secretId),
      ).toBe('1//kept');
      const [day] = await current.query('SELECT pid, steps FROM daily_aggregates');
      expect({ pid: Number(day.pid), steps: Number(day.steps) }).toEqual({ pid: 7, steps: 8123 });

      // Code older than the schema: doctor names what only a newer Vigil knows.
      const older = compareSchema(known.slice(0, -1), await appliedMigrations(current));
      expect(schemaFinding(older)).toMatchObject({
        ok: false,
        what: expect.stringContaining(known.at(-1) as string),
      });
    } finally {
      await current.destroy();
    }
  }, 120_000);

  it('to alert steps on the leased queue: patients with outcomes not stepped get a due step', async () => {
    db = await freshDatabase(engine);
    const options = dataSourceOptions(db.env);
    const migrations = options.migrations as { name: string }[];
    const at = migrations.findIndex((m) => m.name === 'AlertStepsDue1767030000000');
    const previous = await new DataSource({
      ...options,
      migrations: migrations.slice(0, at),
    } as typeof options).initialize();
    await migrateDatabase(previous);
    const outcome = (pid: number, date: string, evaluatedAt: string, applied: string | null) =>
      previous.query(
        'INSERT INTO rule_outcomes (pid, rule_id, rule_version, date, result, facts, message, evaluated_at, alerts_applied_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)',
        [pid, 'low-oxygen-saturation', date, 'true', '{}', '', evaluatedAt, applied],
      );
    await outcome(5, '2026-11-18', '2026-11-20 06:00:00.000', null);
    await outcome(5, '2026-11-19', '2026-11-20 06:00:05.000', null);
    await outcome(6, '2026-11-19', '2026-11-20 06:00:00.000', '2026-11-20 06:00:01.000');
    await previous.destroy();

    const current = await new DataSource(options).initialize();
    try {
      await migrateDatabase(current);
      const rows: { pid: number | string; attempts: number | string; failed_at: unknown }[] =
        await current.query('SELECT pid, due_at, attempts, failed_at FROM alert_steps_due');
      expect(
        rows.map((r) => ({
          pid: Number(r.pid),
          attempts: Number(r.attempts),
          failed: r.failed_at,
        })),
      ).toEqual([{ pid: 5, attempts: 0, failed: null }]);
    } finally {
      await current.destroy();
    }
  }, 120_000);
});
