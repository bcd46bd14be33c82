import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { OpenEmrConnectOptions, OpenEmrDatabase } from '../../src/openemr/openemr-database';
import { createOpenEmrStandIn } from '../../src/openemr/stand-in';
import { testMysqlUrl } from './databases';

export interface TestOpenEmr {
  url: string;
  db: OpenEmrDatabase;
  drop(): Promise<void>;
}

/** A fresh, seeded OpenEMR stand-in: an SQLite file, or its own MariaDB schema. */
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
  const db = await createOpenEmrStandIn(url, options);
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
        options: {
          sessionSqlMode:
            'STRICT_TRANS_TABLES,STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE',
        },
      },
      { label: "mariadb sql_mode=''", engine: 'mysql', options: { sessionSqlMode: '' } },
    );
  }
  return variants;
}
