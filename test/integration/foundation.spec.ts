import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiToken } from '../../src/auth/api-token.entity';
import { UNKNOWN_TOKEN } from '../../src/auth/access.guard';
import { ApiTokens } from '../../src/auth/api-tokens';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { freshDatabase, testEngines, TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';
import { createStaffUser, STAFF_PASSWORD } from '../support/staff';

describe.each(testEngines())('the service on %s', (engine) => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let logs: LogCapture;
  let tokens: ApiTokens;
  let url: string;

  beforeAll(async () => {
    db = await freshDatabase(engine, { LOG_LEVEL: 'debug' });
    logs = new LogCapture();
    vigil = await startVigil(db.env, { port: 0, logWriter: logs.write });
    tokens = vigil.app.get(ApiTokens);
    url = vigil.url ?? '';
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  it('is live and ready once the database answers', async () => {
    await request(url).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(url).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', checks: { database: { ok: true } } });
    expect(ready.body.checks.delivery).toEqual({
      ok: true,
      detail: { backlog: 0, failed: 0, oldestUndeliveredSeconds: null },
    });
  });

  it('serves the OpenAPI document and its viewer', async () => {
    const doc = await request(url).get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/whoami', '/api/v1/tokens', '/health/ready']),
    );
    const page = await request(url).get('/docs').expect(200);
    expect(page.text).toContain('swagger');
  });

  it('refuses anonymous callers with 401 and a uniform error body', async () => {
    const res = await request(url)
      .get('/api/v1/whoami')
      .set('X-Request-Id', 'req-anon-1')
      .expect(401);
    expect(res.body).toEqual({
      status: 401,
      code: 'unauthenticated',
      message: 'Sign in, or send Authorization: Bearer <token>',
      requestId: 'req-anon-1',
    });
    expect(res.headers['x-request-id']).toBe('req-anon-1');
  });

  it('lets each role through only where declared, and records last use', async () => {
    const staff = await tokens.issue('staff', 'front desk', 'test');
    const admin = await tokens.issue('admin', 'operator', 'test');
    const me = await request(url)
      .get('/api/v1/whoami')
      .auth(staff.token, { type: 'bearer' })
      .expect(200);
    expect(me.body).toEqual({
      kind: 'token',
      id: staff.record.id,
      name: 'front desk',
      role: 'staff',
    });

    const denied = await request(url)
      .get('/api/v1/tokens')
      .auth(staff.token, { type: 'bearer' })
      .expect(403);
    expect(denied.body.code).toBe('forbidden');

    const list = await request(url)
      .get('/api/v1/tokens')
      .auth(admin.token, { type: 'bearer' })
      .expect(200);
    expect(list.body.map((t: { name: string }) => t.name)).toEqual(['front desk', 'operator']);
    expect(JSON.stringify(list.body)).not.toContain(staff.token);

    const stored = await vigil.app
      .get(DataSource)
      .getRepository(ApiToken)
      .findOneByOrFail({ id: staff.record.id });
    expect(stored.lastUsedAt).toBeInstanceOf(Date);
    expect(stored.tokenHash).not.toContain(staff.token.slice(4));
  });

  it('stops accepting a revoked token and audits the revocation', async () => {
    const admin = await tokens.issue('admin', 'revoker', 'test');
    const victim = await tokens.issue('clinician', 'old laptop', 'test');
    await request(url).get('/api/v1/whoami').auth(victim.token, { type: 'bearer' }).expect(200);
    await request(url)
      .delete(`/api/v1/tokens/${victim.record.id}`)
      .auth(admin.token, { type: 'bearer' })
      .expect(200, { revoked: victim.record.id });
    const after = await request(url)
      .get('/api/v1/whoami')
      .auth(victim.token, { type: 'bearer' })
      .expect(401);
    expect(after.body.message).toBe(UNKNOWN_TOKEN);
    const events = await vigil.app
      .get(DataSource)
      .getRepository(AuditEvent)
      .findBy({ action: 'token.revoked' });
    expect(events.map((e) => [e.actor, e.subjectId])).toContainEqual([
      `token:${admin.record.id}`,
      String(victim.record.id),
    ]);
    const text = await request(url)
      .delete('/api/v1/tokens/abc')
      .auth(admin.token, { type: 'bearer' })
      .expect(400);
    expect(text.body.errors).toEqual([
      { path: 'id', message: 'id must be a token id: a whole number such as 3' },
    ]);
    await request(url)
      .delete('/api/v1/tokens/999999')
      .auth(admin.token, { type: 'bearer' })
      .expect(404);
  });

  it('tells a caller with a user name and password, or a mangled token, what the API takes', async () => {
    const answer = async (authorization: string) => {
      const res = await request(url)
        .get('/api/v1/whoami')
        .set('Authorization', authorization)
        .expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="vigil"');
      return res.body.message as string;
    };
    const basic = (user: string, password: string) =>
      `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    // An existing staff user and a made-up one, each with a wrong password: the same answer.
    await createStaffUser(vigil, 'basic.user', 'staff');
    const known = await answer(basic('basic.user', 'wrong'));
    expect(await answer(basic('nobody.here', 'wrong'))).toBe(known);
    expect(await answer(basic('basic.user', STAFF_PASSWORD))).toBe(known);
    expect(known).toBe(
      'Vigil\'s API does not take "Basic" credentials (a user name and password included): send an API token as "Authorization: Bearer <token>"; an admin creates API tokens with "npm run cli -- token:create" (docs/staff-access.md); people sign in at /login instead',
    );
    expect(await answer('Bearer')).toMatch(/^The Authorization header must be "Bearer <token>"/);
    expect(await answer('Bearer two words')).toMatch(/^The Authorization header must be/);
    expect(await answer('Bearer vgl_madeup')).toBe(UNKNOWN_TOKEN);
    expect(await answer('%%%% secret')).toMatch(/^Vigil's API does not take these credentials/);
  });

  it('rejects bodies over the size limit and malformed JSON with 4xx, not 500', async () => {
    const big = JSON.stringify({ blob: 'x'.repeat(300 * 1024) });
    const tooBig = await request(url)
      .post('/health/live')
      .set('content-type', 'application/json')
      .send(big);
    expect(tooBig.status).toBe(413);
    const bad = await request(url)
      .post('/health/live')
      .set('content-type', 'application/json')
      .send('{bad');
    expect(bad.status).toBe(400);
  });

  it('sends security headers', async () => {
    const res = await request(url).get('/health/live');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('logs JSON lines with request ids and never the tokens it saw', async () => {
    const admin = await tokens.issue('admin', 'log probe', 'test');
    await request(url)
      .get('/api/v1/whoami?access_token=query-secret-123')
      .auth(admin.token, { type: 'bearer' })
      .set('Cookie', 'vigil_session=cookie-secret-456')
      .expect(200);
    const lines = logs.lines.map((l) => JSON.parse(l));
    expect(lines.find((l) => l.path === '/api/v1/whoami' && l.status === 200)).toMatchObject({
      method: 'GET',
    });
    expect(logs.text).not.toContain(admin.token);
    expect(logs.text).not.toContain('query-secret-123');
    expect(logs.text).not.toContain('cookie-secret-456');
  });
});
