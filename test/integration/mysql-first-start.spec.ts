import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { ensureMysqlDatabase } from '../../src/database/migrate';
import { mysqlAvailable, testMysqlUrl } from '../support/databases';

(mysqlAvailable() ? describe : describe.skip)('a first start against an empty MySQL server', () => {
  it('creates the database named in DATABASE_URL once, and leaves an existing one alone', async () => {
    const name = `vigil_t_first_${randomBytes(3).toString('hex')}`;
    const url = new URL(testMysqlUrl());
    url.pathname = `/${name}`;
    try {
      expect(await ensureMysqlDatabase(url.toString())).toBe(true);
      expect(await ensureMysqlDatabase(url.toString())).toBe(false);
    } finally {
      const admin = await createConnection({ uri: testMysqlUrl() });
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    }
  });
});
