import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createConnection as createCallbackConnection } from 'mysql2';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import type { Environment } from '../config/environment';
import { dataSourceOptions, DatabaseEngine, engineOf, sqlitePath } from './data-source-options';
import { ensureMysqlDatabase, migrateDatabase } from './migrate';
import { knownMigrations } from './schema-version';

export const BACKUP_FORMAT = 'vigil-backup/1';
const MANIFEST = 'manifest.json';
const DATA_FILE: Record<DatabaseEngine, string> = { sqlite: 'vigil.sqlite', mysql: 'vigil.jsonl' };

/** What a backup holds, checked by `restore` before it touches anything. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  engine: DatabaseEngine;
  createdAt: string;
  /** The last migration applied when the snapshot was taken. */
  schemaVersion: string;
  /** Key ids that sealed the stored secrets, with how many each: the key ring must have them all. */
  keyIds: Record<string, number>;
  /** Rows per table. */
  tables: Record<string, number>;
  data: { file: string; sha256: string };
}

/**
 * A consistent snapshot of Vigil's database into `dir` (created, mode 700):
 * SQLite through its online backup API, MySQL/MariaDB as JSON lines read in
 * one REPEATABLE READ snapshot transaction. The key ring is not in it.
 */
export async function backupDatabase(env: Environment, dir: string): Promise<BackupManifest> {
  if (existsSync(join(dir, MANIFEST))) throw new Error(`${dir} already holds a backup`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const engine = engineOf(env);
  const file = join(dir, DATA_FILE[engine]);
  const facts = engine === 'sqlite' ? await backupSqlite(env, file) : await dumpMysql(env, file);
  chmodSync(file, 0o600);
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    engine,
    createdAt: new Date().toISOString(),
    ...facts,
    data: { file: DATA_FILE[engine], sha256: await sha256(file) },
  };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

type SnapshotFacts = Pick<BackupManifest, 'schemaVersion' | 'keyIds' | 'tables'>;

async function backupSqlite(env: Environment, file: string): Promise<SnapshotFacts> {
  const source = new Database(sqlitePath(env), { readonly: true, fileMustExist: true });
  try {
    await source.backup(file);
  } finally {
    source.close();
  }
  // The facts come from the copy, so they describe exactly what was saved. The
  // copy leaves WAL mode so it is one self-contained file.
  const copy = new Database(file);
  try {
    copy.pragma('journal_mode = DELETE');
    const query = (sql: string): Record<string, unknown>[] =>
      copy.prepare(sql).all() as Record<string, unknown>[];
    const tables = query(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    ).map((row) => String(row.name));
    return await snapshotFacts(tables, query);
  } finally {
    copy.close();
  }
}

async function dumpMysql(env: Environment, file: string): Promise<SnapshotFacts> {
  const connection = createCallbackConnection({
    uri: env.DATABASE_URL,
    // Values come back as the server wrote them and go back the same way.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
  });
  const db = connection.promise();
  const out = createWriteStream(file, { mode: 0o600 });
  try {
    await db.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await db.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const [rows] = await db.query(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    );
    const tables = (rows as { name: string }[]).map((row) => row.name);
    for (const table of tables) {
      const stream = connection.query(`SELECT * FROM \`${table}\``).stream();
      for await (const row of stream as AsyncIterable<Record<string, unknown>>) {
        if (!out.write(`${JSON.stringify({ table, row: encodeRow(row) })}\n`))
          await once(out, 'drain');
      }
    }
    const facts = await snapshotFacts(
      tables,
      async (sql) => (await db.query(sql))[0] as Record<string, unknown>[],
    );
    await db.query('COMMIT');
    return facts;
  } finally {
    out.end();
    await once(out, 'close');
    await db.end();
  }
}

async function snapshotFacts(
  tables: string[],
  query: (sql: string) => Record<string, unknown>[] | Promise<Record<string, unknown>[]>,
): Promise<SnapshotFacts> {
  const counts: Record<string, number> = {};
  for (const table of tables)
    counts[table] = Number((await query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  const migrations = await query('SELECT name FROM vigil_migrations ORDER BY timestamp, id');
  const keys = await query('SELECT key_id AS k, COUNT(*) AS n FROM stored_secrets GROUP BY key_id');
  return {
    schemaVersion: String(migrations.at(-1)?.name ?? ''),
    keyIds: Object.fromEntries(keys.map((row) => [String(row.k), Number(row.n)])),
    tables: counts,
  };
}

/** Binary values survive JSON as base64. */
function encodeRow(row: Record<string, unknown>): Record<string, unknown> {
  const encoded: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row))
    encoded[column] = Buffer.isBuffer(value) ? { $base64: value.toString('base64') } : value;
  return encoded;
}

function decodeValue(value: unknown): unknown {
  if (value && typeof value === 'object' && '$base64' in value)
    return Buffer.from(String((value as { $base64: string }).$base64), 'base64');
  return value;
}

/** Reads and checks a backup's manifest and data file; throws naming every problem. */
export async function readBackup(env: Environment, dir: string): Promise<BackupManifest> {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new Error(`${path}: no backup manifest there`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as BackupManifest;
  } catch {
    throw new Error(`${path}: not valid JSON`);
  }
  const problems: string[] = [];
  if (manifest.format !== BACKUP_FORMAT)
    problems.push(`format is ${String(manifest.format)}, expected ${BACKUP_FORMAT}`);
  const engine = engineOf(env);
  if (manifest.engine !== engine)
    problems.push(
      `the backup is of a ${manifest.engine} database, and DATABASE_URL configures ${engine}`,
    );
  const known = knownMigrations(engine);
  if (!known.includes(manifest.schemaVersion))
    problems.push(
      `its schema version ${manifest.schemaVersion} is unknown to this Vigil (written by a newer release?): restore with that release`,
    );
  const configured = env.ENCRYPTION_KEYS.split(',').map((entry) => entry.split(':')[0]);
  const missing = Object.keys(manifest.keyIds ?? {}).filter((id) => !configured.includes(id));
  if (missing.length > 0)
    problems.push(
      `its secrets are sealed with key(s) ${missing.join(', ')}, which ENCRYPTION_KEYS does not have: configure the key ring that was in use when the backup was taken`,
    );
  const data = join(dir, String(manifest.data?.file));
  if (manifest.data?.file !== DATA_FILE[manifest.engine] || !existsSync(data))
    problems.push(`its data file ${String(manifest.data?.file)} is missing`);
  else if ((await sha256(data)) !== manifest.data.sha256)
    problems.push(
      `${manifest.data.file} does not match the manifest's sha256 (damaged or altered)`,
    );
  if (problems.length > 0)
    throw new Error(`The backup in ${dir} cannot be restored:\n  - ${problems.join('\n  - ')}`);
  return manifest;
}

/**
 * Restores a backup into the configured database, which must be empty (a
 * fresh database), after every check of `readBackup` passed; then applies the
 * migrations this code has beyond the backup's schema version.
 */
export async function restoreDatabase(env: Environment, dir: string): Promise<BackupManifest> {
  const manifest = await readBackup(env, dir);
  const data = join(dir, manifest.data.file);
  if (manifest.engine === 'sqlite') {
    const target = sqlitePath(env);
    if (existsSync(target))
      throw new Error(
        `${target} already exists: restore into a fresh DATA_DIR, or move the old database aside first`,
      );
    mkdirSync(dirname(target), { recursive: true });
    const partial = `${target}.restoring`;
    rmSync(partial, { force: true });
    const copy = new Database(data, { readonly: true });
    try {
      await copy.backup(partial);
    } finally {
      copy.close();
    }
    renameSync(partial, target);
  } else {
    await restoreMysql(env, data, manifest);
  }
  const dataSource = await new DataSource(dataSourceOptions(env)).initialize();
  try {
    await migrateDatabase(dataSource);
  } finally {
    await dataSource.destroy();
  }
  return manifest;
}

async function restoreMysql(
  env: Environment,
  data: string,
  manifest: BackupManifest,
): Promise<void> {
  const url = env.DATABASE_URL ?? '';
  await ensureMysqlDatabase(url);
  const check = await createConnection({ uri: url });
  try {
    const [rows] = await check.query(
      "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    );
    if (Number((rows as { n: number }[])[0].n) > 0)
      throw new Error(
        'The database named in DATABASE_URL is not empty: restore into a fresh database',
      );
  } finally {
    await check.end();
  }
  // The schema as it was when the backup was taken; newer migrations run after the rows are in.
  const options = dataSourceOptions(env);
  const known = knownMigrations('mysql');
  const upTo = known.indexOf(manifest.schemaVersion) + 1;
  const schema = await new DataSource({
    ...options,
    migrations: (options.migrations as unknown[]).slice(0, upTo),
  } as typeof options).initialize();
  try {
    await migrateDatabase(schema);
  } finally {
    await schema.destroy();
  }

  const connection = await createConnection({
    uri: url,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    timezone: 'Z',
  });
  try {
    await connection.query('SET FOREIGN_KEY_CHECKS = 0');
    await connection.beginTransaction();
    // Migrations record themselves (and may seed rows): the backup's rows replace them.
    for (const table of Object.keys(manifest.tables))
      await connection.query(`DELETE FROM \`${table}\``);
    const batch = new Map<string, Record<string, unknown>[]>();
    const flush = async (table: string): Promise<void> => {
      const rows = batch.get(table) ?? [];
      if (rows.length === 0) return;
      const columns = Object.keys(rows[0]);
      await connection.query(
        `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`,
        [rows.map((row) => columns.map((c) => decodeValue(row[c])))],
      );
      batch.set(table, []);
    };
    const lines = createInterface({ input: createReadStream(data), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      const { table, row } = JSON.parse(line) as { table: string; row: Record<string, unknown> };
      if (!(table in manifest.tables))
        throw new Error(`The data file names a table ${table} the manifest does not`);
      const rows = batch.get(table) ?? [];
      rows.push(row);
      batch.set(table, rows);
      if (rows.length >= 200) await flush(table);
    }
    for (const table of batch.keys()) await flush(table);
    await connection.commit();
  } catch (error) {
    await connection.rollback();
    throw error;
  } finally {
    await connection.query('SET FOREIGN_KEY_CHECKS = 1').catch(() => undefined);
    await connection.end();
  }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
