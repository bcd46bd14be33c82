import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { testMysqlUrl } from './databases';

/**
 * OpenEMR's own schema (`shared/openemr/database.sql`, OpenEMR 8.1.1-dev, 283
 * tables) for the MariaDB tier. It is loaded once per jest run into a template
 * database, and each test's OpenEMR gets a copy of the tables Vigil touches,
 * definitions and installer rows as they are (creating and dropping all 283
 * InnoDB tables per test file costs tens of seconds on a busy machine).
 */

/** Every OpenEMR table Vigil reads or writes; the least-privilege grants name the same. */
export const OPENEMR_TABLES_VIGIL_TOUCHES = [
  'users',
  'patient_data',
  'patient_access_onsite',
  'gacl_aro',
  'gacl_aro_groups',
  'gacl_groups_aro_map',
  'list_options',
  'pnotes',
  'dated_reminders',
  'dated_reminders_link',
  'onsite_mail',
] as const;

const REPO_ROOT = resolve(__dirname, '..', '..');
/** The template's last table: a template without it was left half-loaded. */
const READY_TABLE = 'vigil_template_ready';
const TEMPLATE_PREFIX = 'vigil_oe_tpl_';
/** Templates of runs that died without their teardown are dropped after this long. */
const STALE_TEMPLATE_MS = 6 * 3600_000;

/**
 * Where `shared/openemr/database.sql` is: OPENEMR_SCHEMA_SQL, else `shared/`
 * beside the repository (CI: ../shared) or beside one of its parents (a git
 * worktree). Null when absent; in CI that is a failure, not a skip.
 */
export function openEmrSchemaFile(): string | null {
  const configured = process.env.OPENEMR_SCHEMA_SQL;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`OPENEMR_SCHEMA_SQL=${configured} does not exist`);
    return configured;
  }
  for (let dir = REPO_ROOT; ; dir = dirname(dir)) {
    const candidate = join(dirname(dir), 'shared', 'openemr', 'database.sql');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  if (process.env.CI === 'true') {
    throw new Error(
      `CI=true but OpenEMR's schema is missing: expected ../shared/openemr/database.sql next to ${REPO_ROOT} (or OPENEMR_SCHEMA_SQL)`,
    );
  }
  return null;
}

function serverConnection(database?: string): Promise<Connection> {
  const url = new URL(testMysqlUrl());
  url.pathname = database === undefined ? '/' : `/${database}`;
  return createConnection({ uri: url.toString(), multipleStatements: true });
}

/** Loads database.sql into an existing, empty database, as OpenEMR's installer does. */
async function loadSchema(database: string, file: string): Promise<void> {
  const connection = await serverConnection(database);
  try {
    await connection.query(readFileSync(file, 'utf8'));
  } finally {
    await connection.end();
  }
}

async function tablesOf(connection: Connection, database: string): Promise<string[]> {
  const [rows] = await connection.query(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name',
    [database],
  );
  return (rows as { name: string }[]).map((r) => r.name);
}

/** The name of this run's template: set once by global setup so every worker shares it. */
export function templateName(): string | null {
  const run = process.env.VIGIL_TEST_RUN_ID;
  return run ? `${TEMPLATE_PREFIX}${run}` : null;
}

/** A run id that carries its start time, so a later run can tell a stale template. */
export function newRunId(): string {
  return `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** This run's template database with OpenEMR's full schema; null without database.sql. */
export async function openEmrTemplate(): Promise<string | null> {
  const file = openEmrSchemaFile();
  const template = templateName();
  if (file === null || template === null) return null;
  await ensureTemplate(template, file);
  return template;
}

/** Loads the template on first use in this run, under a server lock (workers race for it). */
async function ensureTemplate(template: string, file: string): Promise<void> {
  const connection = await serverConnection();
  try {
    await connection.query('SELECT GET_LOCK(?, 300)', [template]);
    try {
      const tables = await tablesOf(connection, template);
      if (tables.includes(READY_TABLE)) return;
      await connection.query(`DROP DATABASE IF EXISTS \`${template}\``);
      await connection.query(`CREATE DATABASE \`${template}\` CHARACTER SET utf8mb4`);
      await loadSchema(template, file);
      await connection.query(`CREATE TABLE \`${template}\`.\`${READY_TABLE}\` (id int)`);
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [template]);
    }
  } finally {
    await connection.end();
  }
}

/**
 * Fills an empty database with OpenEMR's schema and installer rows: a copy of
 * this run's template, or (outside a jest run, e.g. the soak) a direct load.
 * Returns false when the schema file is not there (local runs without shared/).
 */
export async function loadOpenEmrSchema(database: string): Promise<boolean> {
  const file = openEmrSchemaFile();
  if (file === null) return false;
  const template = templateName();
  if (template === null) {
    await loadSchema(database, file);
    return true;
  }
  await ensureTemplate(template, file);
  const connection = await serverConnection(database);
  try {
    const copy = OPENEMR_TABLES_VIGIL_TOUCHES.map(
      (t) =>
        `CREATE TABLE \`${t}\` LIKE \`${template}\`.\`${t}\`; INSERT INTO \`${t}\` SELECT * FROM \`${template}\`.\`${t}\`;`,
    );
    await connection.query(copy.join('\n'));
  } finally {
    await connection.end();
  }
  return true;
}

/** Drops this run's template, and templates of runs that died more than a few hours ago. */
export async function dropTemplates(): Promise<void> {
  const connection = await serverConnection();
  try {
    const [rows] = await connection.query(
      'SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ?',
      [`${TEMPLATE_PREFIX}%`],
    );
    const own = process.env.VIGIL_TEST_RUN_ID_OWNED === '1' ? templateName() : null;
    for (const { name } of rows as { name: string }[]) {
      const started = parseInt(name.slice(TEMPLATE_PREFIX.length).split('_')[0], 36);
      if (name === own || Date.now() - started > STALE_TEMPLATE_MS) {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      }
    }
  } finally {
    await connection.end();
  }
}
