import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrateDatabase } from '../../src/database/migrate';
import { freshDatabase, mysqlAvailable, TestDatabase } from '../support/databases';

interface LogicalColumn {
  name: string;
  family: string;
  nullable: boolean;
}
interface LogicalIndex {
  name: string;
  columns: string[];
  unique: boolean;
}
type LogicalSchema = Record<
  string,
  { columns: LogicalColumn[]; primaryKey: string[]; indexes: LogicalIndex[] }
>;

/** Types that hold the same values on both engines map to one family. */
function family(type: string): string {
  const t = type.toLowerCase();
  if (/int/.test(t)) return 'integer';
  if (/char|text|clob/.test(t)) return 'text';
  if (/datetime|timestamp/.test(t)) return 'instant';
  if (/^date$/.test(t)) return 'date';
  if (/real|double|float|decimal|numeric/.test(t)) return 'number';
  if (/blob|binary/.test(t)) return 'bytes';
  return t;
}

async function sqliteSchema(ds: DataSource): Promise<LogicalSchema> {
  const tables: { name: string }[] = await ds.query(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  const schema: LogicalSchema = {};
  for (const { name } of tables) {
    const cols: { name: string; type: string; notnull: number; pk: number }[] = await ds.query(
      `PRAGMA table_info("${name}")`,
    );
    const indexList: { name: string; unique: number; origin: string }[] = await ds.query(
      `PRAGMA index_list("${name}")`,
    );
    const indexes: LogicalIndex[] = [];
    for (const ix of indexList.filter((i) => i.origin === 'c')) {
      const info: { name: string }[] = await ds.query(`PRAGMA index_info("${ix.name}")`);
      indexes.push({ name: ix.name, columns: info.map((c) => c.name), unique: ix.unique === 1 });
    }
    schema[name] = {
      columns: cols.map((c) => ({
        name: c.name,
        family: family(c.type),
        nullable: c.notnull === 0 && c.pk === 0,
      })),
      primaryKey: cols
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      indexes: indexes.sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
  return schema;
}

async function mysqlSchema(ds: DataSource): Promise<LogicalSchema> {
  const cols: { t: string; c: string; type: string; nullable: string; key: string }[] =
    await ds.query(
      `SELECT TABLE_NAME t, COLUMN_NAME c, DATA_TYPE type, IS_NULLABLE nullable, COLUMN_KEY \`key\`
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    );
  const stats: { t: string; ix: string; c: string; nonUnique: number | string }[] = await ds.query(
    `SELECT TABLE_NAME t, INDEX_NAME ix, COLUMN_NAME c, NON_UNIQUE nonUnique
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
  );
  const schema: LogicalSchema = {};
  for (const col of cols) {
    schema[col.t] ??= { columns: [], primaryKey: [], indexes: [] };
    schema[col.t].columns.push({
      name: col.c,
      family: family(col.type),
      nullable: col.nullable === 'YES',
    });
  }
  for (const s of stats) {
    const table = schema[s.t];
    if (s.ix === 'PRIMARY') {
      table.primaryKey.push(s.c);
      continue;
    }
    let ix = table.indexes.find((i) => i.name === s.ix);
    if (!ix)
      table.indexes.push((ix = { name: s.ix, columns: [], unique: Number(s.nonUnique) === 0 }));
    ix.columns.push(s.c);
  }
  for (const t of Object.values(schema)) t.indexes.sort((a, b) => a.name.localeCompare(b.name));
  return schema;
}

(mysqlAvailable() ? describe : describe.skip)('migrations on both engines', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  async function migrated(engine: 'sqlite' | 'mysql'): Promise<DataSource> {
    const db = await freshDatabase(engine);
    dbs.push(db);
    const ds = await new DataSource(dataSourceOptions(db.env)).initialize();
    await migrateDatabase(ds);
    return ds;
  }

  it('end with the same logical schema', async () => {
    const sqlite = await migrated('sqlite');
    const mysql = await migrated('mysql');
    try {
      const [a, b] = [await sqliteSchema(sqlite), await mysqlSchema(mysql)];
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      expect(Object.keys(a)).toEqual(
        expect.arrayContaining(['api_tokens', 'audit_events', 'stored_secrets']),
      );
      expect(a).toEqual(b);
    } finally {
      await sqlite.destroy();
      await mysql.destroy();
    }
  });

  it('apply once when two processes start together on MySQL', async () => {
    const db = await freshDatabase('mysql');
    dbs.push(db);
    const [one, two] = await Promise.all([
      new DataSource(dataSourceOptions(db.env)).initialize(),
      new DataSource(dataSourceOptions(db.env)).initialize(),
    ]);
    try {
      const [a, b] = await Promise.all([migrateDatabase(one), migrateDatabase(two)]);
      expect([...a, ...b].sort()).toEqual(one.migrations.map((m) => m.name).sort());
      const rows: unknown[] = await one.query('SELECT * FROM vigil_migrations');
      expect(rows).toHaveLength(one.migrations.length);
    } finally {
      await one.destroy();
      await two.destroy();
    }
  });
});
