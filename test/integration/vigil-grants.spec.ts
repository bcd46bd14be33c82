import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { diagnose } from '../../src/cli/doctor';
import { KeyRing } from '../../src/crypto/key-ring';
import { mysqlAvailable, testMysqlUrl } from '../support/databases';

async function asRoot(...statements: string[]): Promise<void> {
  const connection = await createConnection({ uri: testMysqlUrl() });
  try {
    for (const sql of statements) await connection.query(sql);
  } finally {
    await connection.end();
  }
}

const maybe = mysqlAvailable() ? describe : describe.skip;

/**
 * `doctor` run as Vigil's own MariaDB user says whether it holds the rights
 * deploy/mariadb/vigil-user.sql gives, and names the ones it lacks.
 */
maybe("doctor and Vigil's own database user", () => {
  const suffix = randomBytes(4).toString('hex');
  const database = `vigil_grants_${suffix}`;
  const user = `vg_${suffix}`;
  const password = randomBytes(12).toString('hex');
  const root = new URL(testMysqlUrl());
  const url = `mysql://${user}:${password}@${root.host}/${database}`;

  beforeAll(() =>
    asRoot(
      `CREATE DATABASE \`${database}\``,
      `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`,
    ),
  );
  afterAll(() => asRoot(`DROP USER '${user}'@'%'`, `DROP DATABASE \`${database}\``));

  const grantsFinding = async () => {
    const findings = await diagnose({
      ENCRYPTION_KEYS: KeyRing.generateEntry('t'),
      DATABASE_URL: url,
    });
    return findings.find((f) => f.what.startsWith("Vigil's database user"));
  };

  it('names the rights missing from a user with rows but no DELETE and no schema rights', async () => {
    await asRoot(`GRANT SELECT, INSERT, UPDATE ON \`${database}\`.* TO '${user}'@'%'`);
    const finding = await grantsFinding();
    expect(finding).toMatchObject({
      ok: false,
      what: "Vigil's database user lacks DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES on its database",
    });
  });

  it('is satisfied by the documented grants', async () => {
    await asRoot(
      `GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP, REFERENCES ON \`${database}\`.* TO '${user}'@'%'`,
    );
    expect(await grantsFinding()).toMatchObject({ ok: true });
  });
});
