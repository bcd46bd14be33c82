import request from 'supertest';
import { ApiTokens } from '../../src/auth/api-tokens';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { freshDatabase, TestDatabase } from '../support/databases';
import { freshOpenEmr, TestOpenEmr } from '../support/openemr';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('rule recipients checked against OpenEMR', () => {
  let db: TestDatabase;
  let openemr: TestOpenEmr;
  let vigil: VigilApp;
  let url: string;
  let clinician: string;

  beforeAll(async () => {
    openemr = await freshOpenEmr('sqlite');
    db = await freshDatabase('sqlite', { OPENEMR_DATABASE_URL: openemr.url, ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    url = vigil.url ?? '';
    clinician = (await vigil.app.get(ApiTokens).issue('clinician', 'Dr Rivera', 'test')).token;
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
    await openemr.drop();
  });

  it('refuses users and groups OpenEMR does not know, with their paths', async () => {
    const rule = JSON.parse(
      readFileSync(join(__dirname, '../../rules/sleep-deficit.json'), 'utf8'),
    ) as Record<string, unknown>;
    const res = await request(url)
      .post('/api/v1/rules/validate')
      .auth(clinician, { type: 'bearer' })
      .send({
        ...rule,
        recipients: ['provider', 'user:drsmith', 'user:nobody', 'group:clin', 'group:nosuch'],
      })
      .expect(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([
      '$.recipients[2]',
      '$.recipients[4]',
    ]);
  });
});
