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
});
