import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { withNamedLock } from '../../src/database/named-lock';
import { freshDatabase, mysqlAvailable, TestDatabase } from '../support/databases';

/**
 * MySQL's named locks belong to the whole server. Vigil's are named after the
 * database too: one clinic's daily run (or a hung test) must never hold up
 * another Vigil database's on the same server.
 */
(mysqlAvailable() ? describe : describe.skip)('named locks on a shared MySQL server', () => {
  const databases: TestDatabase[] = [];
  const sources: DataSource[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const db = await freshDatabase('mysql');
      databases.push(db);
      sources.push(await new DataSource(dataSourceOptions(db.env)).initialize());
    }
  });

  afterAll(async () => {
    for (const ds of sources) await ds.destroy();
    for (const db of databases) await db.drop();
  });

  it('one process at a time per database, databases independent', async () => {
    const [clinicA, clinicB] = sources;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const holder = withNamedLock(clinicA, 'vigil_rules_daily', 0, async () => {
      entered();
      await held;
      return 'A';
    });
    await inside;
    // Another process on the same database finds it taken...
    expect(await withNamedLock(clinicA, 'vigil_rules_daily', 0, async () => 'again')).toBeNull();
    // ...another database on the same server does not.
    expect(await withNamedLock(clinicB, 'vigil_rules_daily', 0, async () => 'B')).toBe('B');
    release();
    expect(await holder).toBe('A');
    expect(await withNamedLock(clinicA, 'vigil_rules_daily', 0, async () => 'after')).toBe('after');
  });
});
