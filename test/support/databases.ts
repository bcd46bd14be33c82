import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { Environment, loadEnvironment } from '../../src/config/environment';
import { KeyRing } from '../../src/crypto/key-ring';
import type { DatabaseEngine } from '../../src/database/data-source-options';

export const testMysqlUrl = (): string =>
  process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** SQLite always; MariaDB when global setup found it (always in CI). */
export function testEngines(): DatabaseEngine[] {
  return process.env.VIGIL_TEST_MYSQL === 'available' ? ['sqlite', 'mysql'] : ['sqlite'];
}

export const mysqlAvailable = (): boolean => process.env.VIGIL_TEST_MYSQL === 'available';

export interface TestDatabase {
  engine: DatabaseEngine;
  env: Environment;
  /** For MySQL, the URL of the fresh database. */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of the given engine, with its own name so runs never collide. */
export async function freshDatabase(
  engine: DatabaseEngine,
  overrides: Record<string, string> = {},
): Promise<TestDatabase> {
  const base = { ENCRYPTION_KEYS: KeyRing.generateEntry('test'), LOG_LEVEL: 'warn', ...overrides };
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
    return {
      engine,
      env: loadEnvironment({ ...base, DATA_DIR: dir }),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `vigil_t_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const server = new URL(testMysqlUrl());
  const admin = await createConnection({ uri: server.toString() });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  server.pathname = `/${name}`;
  const url = server.toString();
  return {
    engine,
    url,
    env: loadEnvironment({ ...base, DATABASE_URL: url }),
    drop: async () => {
      const conn = await createConnection({ uri: testMysqlUrl() });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}
