import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import request from 'supertest';
import { PUBLIC_KEY } from '../../src/auth/access.decorators';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { staffToken } from '../support/consent';
import { freshDatabase, TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';

const LINK = 'Zq3bM0oZQe1L7xN9rT2yU5iP8aS4dF6gH0jK3lZ1xWv';

async function startOn(
  publicBaseUrl: string,
  logs = new LogCapture(),
): Promise<{ db: TestDatabase; vigil: VigilApp }> {
  const db = await freshDatabase('sqlite', {
    PUBLIC_BASE_URL: publicBaseUrl,
    GOOGLE_HEALTH_WEBHOOK_SECRET: 'edge-webhook-secret-0123456789',
    LOG_LEVEL: 'debug',
  });
  return { db, vigil: await startVigil(db.env, { port: 0, logWriter: logs.write }) };
}

/** Sends `count` requests, `parallel` at a time, and returns every status. */
async function flood(count: number, parallel: number, send: () => Promise<number>) {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += parallel) {
    const batch = Math.min(parallel, count - sent);
    statuses.push(...(await Promise.all(Array.from({ length: batch }, send))));
  }
  return statuses;
}

describe('HTTP edges: headers, rate limits, size limits', () => {
  let https: { db: TestDatabase; vigil: VigilApp };
  let plain: { db: TestDatabase; vigil: VigilApp };
  const httpsLogs = new LogCapture();

  beforeAll(async () => {
    https = await startOn('https://vigil.clinic.example', httpsLogs);
    plain = await startOn('http://localhost:3000');
  });
  afterAll(async () => {
    for (const { db, vigil } of [https, plain]) {
      await vigil.shutdown('test finished');
      await db.drop();
    }
  });

  it('sends the security headers on API answers, staff pages and patient pages', async () => {
    const url = https.vigil.url ?? '';
    for (const path of ['/health/live', '/api/v1/whoami', '/login', `/connect/${LINK}`, '/docs']) {
      const res = await request(url).get(path).redirects(0);
      const csp = String(res.headers['content-security-policy']);
      expect([path, csp]).toEqual([path, expect.stringMatching(/default-src '(self|none)'/)]);
      expect([path, csp]).toEqual([path, expect.stringMatching(/frame-ancestors '(self|none)'/)]);
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    // HSTS only when Vigil is served over https: on plain http it would be ignored or wrong.
    const res = await request(plain.vigil.url ?? '').get('/health/live');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('rate-limits every public endpoint that takes input, per client address', async () => {
    const url = plain.vigil.url ?? '';
    const status =
      (path: string, init: RequestInit = {}) =>
      async () =>
        (
          await fetch(`${url}${path}`, { redirect: 'manual', ...init }).then(async (r) => {
            await r.arrayBuffer();
            return r;
          })
        ).status;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const endpoints: { name: string; limit: number; send: () => Promise<number> }[] = [
      { name: 'GET /connect/:token', limit: 60, send: status(`/connect/${LINK}`) },
      {
        name: 'POST /connect/:token',
        limit: 60,
        send: status(`/connect/${LINK}`, { method: 'POST' }),
      },
      {
        name: 'GET /oauth/google/callback',
        limit: 60,
        send: status(`/oauth/google/callback?state=${LINK}&code=x`),
      },
      { name: 'GET /disconnect/:token', limit: 60, send: status(`/disconnect/${LINK}`) },
      {
        name: 'POST /disconnect/:token',
        limit: 60,
        send: status(`/disconnect/${LINK}`, { method: 'POST' }),
      },
      {
        name: 'POST /login',
        limit: 20,
        send: status('/login', {
          method: 'POST',
          headers: form,
          body: 'username=x&password=y&_csrf=z',
        }),
      },
      {
        name: 'POST /logout',
        limit: 60,
        send: status('/logout', { method: 'POST', headers: form, body: '_csrf=z' }),
      },
    ];
    const wrong: string[] = [];
    for (const { name, limit, send } of endpoints) {
      const statuses = await flood(limit + 1, 10, send);
      const limited = statuses.filter((s) => s === 429).length;
      if (limited !== 1 || statuses[statuses.length - 1] !== 429)
        wrong.push(`${name}: ${limited} of ${limit + 1} refused`);
    }
    expect(wrong).toEqual([]);
    const refused = await request(url).get(`/connect/${LINK}`).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.message).toMatch(/Too many requests/);
    // Another public route keeps its own budget.
    await request(url).get('/health/live').expect(200);
  }, 120_000);

  it('declares a rate limit on every public route except static reads', () => {
    // The webhook's limit (6,000 a minute per address) is too high to flood in a test.
    const STATIC_READS = [
      'GET /',
      'GET /health/live',
      'GET /health/ready',
      'GET /login',
      'GET /assets/:name',
    ];
    const reflector = plain.vigil.app.get(Reflector);
    const missing: string[] = [];
    const limits: Record<string, number> = {};
    for (const module of plain.vigil.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as (new () => unknown) | null;
        if (!controller) continue;
        const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value as
            (() => void) | undefined;
          if (name === 'constructor' || typeof handler !== 'function') continue;
          const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
          const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
          if (method === undefined || path === undefined) continue;
          const targets = [handler, controller];
          if (!reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) continue;
          const route = `${RequestMethod[method]} /${[base, path].join('/').split('/').filter(Boolean).join('/')}`;
          const spec = reflector.getAllAndOverride<{ limit: number } | undefined>(
            'vigil:rate-limit', // RATE_LIMIT_KEY in src/http/rate-limit.ts
            targets,
          );
          if (spec) limits[route] = spec.limit;
          else if (!STATIC_READS.includes(route)) missing.push(route);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(limits).toMatchObject({
      'POST /webhooks/google-health': 6000,
      'POST /login': 20,
      'GET /oauth/google/callback': 60,
      'POST /connect/:token': 60,
      'POST /logout': 60,
    });
  });

  it('refuses oversized bodies and headers with 413/431 before any work', async () => {
    const url = https.vigil.url ?? '';
    const admin = await staffToken(https.vigil);
    const bigJson = JSON.stringify({ id: 'x', blob: 'x'.repeat(300 * 1024) });
    for (const path of ['/api/v1/rules/validate', '/api/v1/patients', '/webhooks/google-health']) {
      const res = await request(url)
        .post(path)
        .auth(admin, { type: 'bearer' })
        .set('content-type', 'application/json')
        .send(bigJson);
      expect([path, res.status]).toEqual([path, 413]);
      expect(res.body.message).toBeDefined();
    }
    const bigForm = await request(url)
      .post('/login')
      .type('form')
      .send(`username=${'u'.repeat(70 * 1024)}&password=x&_csrf=y`);
    expect(bigForm.status).toBe(413);
    const bigHeader = await fetch(`${url}/health/live`, {
      headers: { 'x-padding': 'h'.repeat(20_000) },
    });
    expect(bigHeader.status).toBe(431);
  });

  it('refuses a 5,000-deep or over-wide body with 400 naming the limit, and logs no stack', async () => {
    const url = https.vigil.url ?? '';
    const admin = await staffToken(https.vigil);
    const deep = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    const wide = JSON.stringify(
      Object.fromEntries(Array.from({ length: 5_001 }, (_, i) => [`k${i}`, 1])),
    );
    const before = httpsLogs.lines.length;
    const answers: string[] = [];
    for (const path of [
      '/login',
      '/logout',
      '/api/v1/patients',
      '/api/v1/rules/validate',
      '/webhooks/google-health',
    ]) {
      for (const [body, limit] of [
        [deep, /nested more than 64 levels deep/],
        [wide, /more than 5000 keys/],
      ] as const) {
        const res = await request(url)
          .post(path)
          .auth(admin, { type: 'bearer' })
          .set('content-type', 'application/json')
          .send(body);
        answers.push(`${path} ${res.status} ${limit.test(String(res.body.message))}`);
      }
    }
    const form = await request(url)
      .post('/login')
      .type('form')
      .send(Array.from({ length: 201 }, (_, i) => `f${i}=1`).join('&'));
    answers.push(`/login form ${form.status} ${/more than 200 fields/.test(form.body.message)}`);
    expect(answers).toEqual(answers.map((a) => a.replace(/ \d+ \w+$/, ' 400 true')));
    const logged = httpsLogs.lines
      .slice(before)
      .filter((l) => /"level":"(error|warn)"|stack/.test(l));
    expect(logged).toEqual([]);
  });
});
