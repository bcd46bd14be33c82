import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { testMysqlUrl } from './databases';
import type { TestOpenEmr } from './openemr';

const GRANTS_FILE = join(__dirname, '..', '..', 'deploy', 'mariadb', 'openemr-user.sql');

/** Vigil's own MariaDB user in a test's OpenEMR database, made as a clinic's DBA would. */
export interface OpenEmrServiceUser {
  user: string;
  /** OPENEMR_DATABASE_URL for that user. */
  url: string;
  /** Takes one grant away (`REVOKE INSERT ON <db>.pnotes`), as a DBA might mid-run. */
  revoke(privilege: string, table: string): Promise<void>;
  grant(privilege: string, table: string): Promise<void>;
  drop(): Promise<void>;
}

/** deploy/mariadb/openemr-user.sql as a DBA runs it, for this database, user and password. */
function grantStatements(database: string, user: string, password: string): string[] {
  return readFileSync(GRANTS_FILE, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '')
    .map((statement) =>
      statement
        .replaceAll('`openemr`', `\`${database}\``)
        .replaceAll("'vigil'@'%'", `'${user}'@'%'`)
        .replaceAll("'change-me'", `'${password}'`),
    );
}

async function asRoot(sql: string): Promise<void> {
  const connection = await createConnection({ uri: testMysqlUrl() });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/**
 * A MariaDB user with exactly the documented grants (deploy/mariadb/openemr-user.sql)
 * on a test's OpenEMR database (MariaDB only).
 */
export async function createOpenEmrServiceUser(openemr: TestOpenEmr): Promise<OpenEmrServiceUser> {
  const database = new URL(openemr.url).pathname.slice(1);
  const user = `vigil_oe_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  for (const statement of grantStatements(database, user, password)) await asRoot(statement);
  const server = new URL(testMysqlUrl());
  server.username = user;
  server.password = password;
  server.pathname = `/${database}`;
  return {
    user,
    url: server.toString(),
    revoke: (privilege, table) =>
      asRoot(`REVOKE ${privilege} ON \`${database}\`.\`${table}\` FROM '${user}'@'%'`),
    grant: (privilege, table) =>
      asRoot(`GRANT ${privilege} ON \`${database}\`.\`${table}\` TO '${user}'@'%'`),
    drop: () => asRoot(`DROP USER IF EXISTS '${user}'@'%'`),
  };
}
