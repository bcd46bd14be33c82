import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { OpenEmrDatabase, type OpenEmrConnectOptions } from '../../src/openemr/openemr-database';
import { createOpenEmrStandIn } from '../../src/openemr/stand-in';
import { seedStandIn } from '../../src/openemr/stand-in/seed';
import { loadOpenEmrSchema } from './openemr-schema';
import { testMysqlUrl } from './databases';

export interface TestOpenEmr {
  url: string;
  db: OpenEmrDatabase;
  drop(): Promise<void>;
}

let warned = false;
function warnStandInOnce(): void {
  if (warned) return;
  warned = true;
  process.stderr.write(
    "\nOpenEMR's database.sql was not found (../shared/openemr): MariaDB tests use the stand-in tables.\n",
  );
}

/**
 * A fresh, seeded OpenEMR: on MariaDB, OpenEMR's own schema (database.sql) with
 * the installer's and an administrator's rows; on SQLite, the demo's stand-in.
 */
export async function freshOpenEmr(
  engine: 'sqlite' | 'mysql',
  options: OpenEmrConnectOptions = {},
): Promise<TestOpenEmr> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-openemr-'));
    const url = `sqlite:${join(dir, 'openemr.sqlite')}`;
    const db = await createOpenEmrStandIn(url, options);
    return {
      url,
      db,
      drop: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `vigil_oe_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = await createConnection({ uri: testMysqlUrl() });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await admin.end();
  const server = new URL(testMysqlUrl());
  server.pathname = `/${name}`;
  const url = server.toString();
  let db: OpenEmrDatabase;
  if (await loadOpenEmrSchema(name)) {
    // OpenEMR's real tables; then the rows its installer and an administrator add.
    db = new OpenEmrDatabase(url, options);
    await db.transaction((sql) => seedStandIn(sql));
  } else {
    warnStandInOnce();
    db = await createOpenEmrStandIn(url, options);
  }
  return {
    url,
    db,
    drop: async () => {
      await db.close();
      const conn = await createConnection({ uri: testMysqlUrl() });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/** Engines and sql_modes an OpenEMR database may run with: SQLite (the demo), MariaDB strict and ''. */
export function openEmrVariants(): {
  label: string;
  engine: 'sqlite' | 'mysql';
  options: OpenEmrConnectOptions;
}[] {
  const variants: { label: string; engine: 'sqlite' | 'mysql'; options: OpenEmrConnectOptions }[] =
    [{ label: 'sqlite', engine: 'sqlite', options: {} }];
  if (process.env.VIGIL_TEST_MYSQL === 'available') {
    variants.push(
      {
        label: 'mariadb strict',
        engine: 'mysql',
        options: { sessionSqlMode: STRICT_SQL_MODE },
      },
      { label: "mariadb sql_mode=''", engine: 'mysql', options: { sessionSqlMode: '' } },
    );
  }
  return variants;
}

/** A beforeAll that makes an OpenEMR on MariaDB copies 283 tables (and may load the template). */
export const OPENEMR_SETUP_MS = 90_000;

/** The sql_mode OpenEMR's MariaDB runs in: its own PHP sets '', MariaDB's default is strict. */
export const STRICT_SQL_MODE =
  'STRICT_TRANS_TABLES,STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE';

/** Makes a running Vigil's own OpenEMR connection use a sql_mode from its next unit of work. */
export function useOpenEmrSqlMode(connection: OpenEmrDatabase, sqlMode: string): void {
  const pool = (connection as unknown as { connection?: { options: OpenEmrConnectOptions } })
    .connection;
  if (pool === undefined) throw new Error('Vigil has no OpenEMR database configured');
  pool.options.sessionSqlMode = sqlMode;
}
