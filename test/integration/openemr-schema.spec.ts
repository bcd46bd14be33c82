import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { OpenEmrDatabase } from '../../src/openemr/openemr-database';
import { createOpenEmrStandIn } from '../../src/openemr/stand-in';
import { mysqlAvailable, testMysqlUrl } from '../support/databases';
import { freshOpenEmr, OPENEMR_SETUP_MS, type TestOpenEmr } from '../support/openemr';
import { OPENEMR_TABLES_VIGIL_TOUCHES, openEmrTemplate } from '../support/openemr-schema';

interface ColumnShape {
  type: string;
  nullable: boolean;
}

type TableShapes = Map<string, Map<string, ColumnShape>>;

async function mysqlShapes(database: string): Promise<TableShapes> {
  const connection = await createConnection({ uri: testMysqlUrl() });
  const [rows] = await connection.query(
    `SELECT table_name AS t, column_name AS c, column_type AS type, is_nullable AS n
       FROM information_schema.columns WHERE table_schema = ? ORDER BY ordinal_position`,
    [database],
  );
  await connection.end();
  const shapes: TableShapes = new Map();
  for (const row of rows as { t: string; c: string; type: string; n: string }[]) {
    const table = shapes.get(row.t) ?? new Map<string, ColumnShape>();
    table.set(row.c, { type: row.type.toLowerCase(), nullable: row.n === 'YES' });
    shapes.set(row.t, table);
  }
  return shapes;
}

/** The SQLite stand-in declares MySQL's types where SQLite keeps them, and integer/text/blob else. */
function sqliteType(mysqlType: string): string {
  return mysqlType
    .replace(/^(bigint|int|tinyint)\(\d+\)$/u, 'integer')
    .replace(/^longtext$/u, 'text')
    .replace(/^binary\(16\)$/u, 'blob');
}

const maybe = mysqlAvailable() ? describe : describe.skip;

maybe("the demo's OpenEMR stand-in against OpenEMR's own tables", () => {
  let template: string | null;
  let real: TableShapes;
  let standIn: TestOpenEmr;
  let standInShapes: TableShapes;

  beforeAll(async () => {
    template = await openEmrTemplate();
    if (template === null) return;
    real = await mysqlShapes(template);
    // The stand-in's own tables on MariaDB (what freshOpenEmr no longer uses there).
    standIn = await freshOpenEmr('mysql');
    const name = new URL(standIn.url).pathname.slice(1);
    const connection = await createConnection({ uri: testMysqlUrl() });
    await connection.query(`DROP DATABASE \`${name}\``);
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    await connection.end();
    await standIn.db.close();
    const created = await createOpenEmrStandIn(standIn.url);
    await created.close();
    standInShapes = await mysqlShapes(name);
  }, OPENEMR_SETUP_MS);

  afterAll(async () => {
    await standIn?.drop();
  });

  it('has every table Vigil touches, each column with the real name, type and nullability', () => {
    if (template === null) return; // local run without ../shared (CI fails in global setup)
    expect([...standInShapes.keys()].sort()).toEqual([...OPENEMR_TABLES_VIGIL_TOUCHES].sort());
    const drift: string[] = [];
    for (const [table, columns] of standInShapes) {
      const realColumns = real.get(table);
      if (realColumns === undefined) {
        drift.push(`${table}: not in OpenEMR`);
        continue;
      }
      for (const [column, shape] of columns) {
        const truth = realColumns.get(column);
        if (truth === undefined) drift.push(`${table}.${column}: not in OpenEMR`);
        else if (truth.type !== shape.type || truth.nullable !== shape.nullable) {
          drift.push(
            `${table}.${column}: stand-in ${shape.type}${shape.nullable ? ' NULL' : ' NOT NULL'}, OpenEMR ${truth.type}${truth.nullable ? ' NULL' : ' NOT NULL'}`,
          );
        }
      }
    }
    expect(drift).toEqual([]);
  });

  it('leaves out no column that an insert must fill (NOT NULL without a default)', async () => {
    if (template === null) return;
    const connection = await createConnection({ uri: testMysqlUrl() });
    const [rows] = await connection.query(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns
        WHERE table_schema = ? AND is_nullable = 'NO' AND column_default IS NULL
          AND extra NOT LIKE '%auto_increment%'`,
      [template],
    );
    await connection.end();
    const required = (rows as { t: string; c: string }[])
      .filter((r) => (OPENEMR_TABLES_VIGIL_TOUCHES as readonly string[]).includes(r.t))
      .map((r) => `${r.t}.${r.c}`);
    const missing = required.filter((name) => {
      const [table, column] = name.split('.');
      return !standInShapes.get(table)?.has(column);
    });
    expect(missing).toEqual([]);
  });

  it('declares the same columns on SQLite (the demo), with nullability kept', async () => {
    if (template === null) return;
    const dir = mkdtempSync(join(tmpdir(), 'vigil-standin-'));
    const db: OpenEmrDatabase = await createOpenEmrStandIn(`sqlite:${join(dir, 'oe.sqlite')}`);
    try {
      for (const [table, columns] of standInShapes) {
        const info = await db.run((sql) =>
          sql.select<{ name: string; type: string; notnull: number; pk: number }>(
            `PRAGMA table_info(${table})`,
          ),
        );
        expect(info.map((c) => c.name)).toEqual([...columns.keys()]);
        for (const column of info) {
          const shape = columns.get(column.name)!;
          expect([table, column.name, column.type.toLowerCase()]).toEqual([
            table,
            column.name,
            sqliteType(shape.type),
          ]);
          expect([table, column.name, column.notnull === 1 || column.pk === 1]).toEqual([
            table,
            column.name,
            !shape.nullable,
          ]);
        }
      }
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
