import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { SIGNATURE_HEADER, Simulator, startSimulator } from '../../src/simulator';
import { enroll, invite, simulatorEnv, staffToken } from '../support/consent';
import { freshDatabase, TestDatabase } from '../support/databases';
import { LogCapture } from '../support/log-capture';
import { listRoutes, Route } from '../support/routes';
import { connectPatient } from '../support/wearables';
import { CaseCounter, fuzz, hostileJson } from './fuzz-support';
import { body, expectCleanAnswer, pathParam, query, send } from './http-support';
import { mutateRule, ruleTrees, validRule } from './rule-arbitraries';

jest.setTimeout(120_000);
const WEBHOOK_SECRET = 'fuzz-webhook-secret-0123456789';
const cases = new CaseCounter();

/** A fresh client address per case (trusted from loopback): rate limits must not hide the handlers. */
const clientAddress = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255))
  .map(([a, b, c]) => `10.${a}.${b}.${c}`);

/**
 * JSON text `depth` levels deep with `width` members per level (the nested one
 * last), objects, arrays or both by level. Built as text: 5,000 levels would
 * overflow JSON.stringify's own recursion long before the server's.
 */
function nestedJson(depth: number, width: number, kind: 'array' | 'object' | 'mixed'): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let level = 0; level < depth; level++) {
    const array = kind === 'array' || (kind === 'mixed' && level % 2 === 0);
    const siblings = Array.from({ length: width - 1 }, (_, i) => (array ? '0,' : `"k${i}":0,`));
    open.push(array ? `[${siblings.join('')}` : `{${siblings.join('')}"a":`);
    close.push(array ? ']' : '}');
  }
  return `${open.join('')}1${close.reverse().join('')}`;
}

describe('HTTP input fuzzing: every route, body and query', () => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let url: string;
  let dataSource: DataSource;
  let admin: string;
  let routes: Route[];
  let link: string;
  let healthUserId: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 4 });
    db = await freshDatabase('sqlite', {
      ...simulatorEnv(sim),
      ROLE: 'api',
      GOOGLE_HEALTH_WEBHOOK_SECRET: WEBHOOK_SECRET,
      // Cases come from loopback with X-Forwarded-For, each its own address (no rate limit).
      TRUST_PROXY: 'loopback',
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: logs.write });
    url = vigil.url ?? '';
    dataSource = vigil.app.get(DataSource);
    admin = await staffToken(vigil);
    routes = listRoutes(vigil.app);
    // Something real for the ids to hit: an invited patient and a connected one.
    await enroll(vigil, admin, 2);
    link = await invite(vigil, admin, 2);
    const connection = await connectPatient(dataSource, db.env, sim, 3, 'sim-1', {
      nextSyncAt: null,
    });
    healthUserId = connection.healthUserId;
  });
  afterAll(async () => {
    cases.report('http');
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  afterEach(async () => {
    // Process alive and serving after each target.
    expect((await send(url, { method: 'GET', path: '/health/live' })).status).toBe(200);
  });

  it('keeps the defects fuzzing found fixed', async () => {
    // Staff pages read forms through class-transformer, which threw on a nested
    // `constructor` key: a 500 for any signed-in user (found by the route fuzz below).
    for (const path of ['/alerts/1/resolve', '/alerts/1/snooze', '/enrollments'])
      for (const payload of [
        '{"a":{"constructor":1}}',
        '{"constructor":1}',
        '{"__proto__":{"x":1}}',
      ]) {
        const result = await expectCleanAnswer(
          dataSource,
          url,
          {
            method: 'POST',
            path,
            headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
            body: payload,
          },
          { logs },
        );
        expect([path, result.status]).toEqual([path, expect.any(Number)]);
        expect(result.status).toBeLessThan(500);
      }
    const query = await send(url, {
      method: 'GET',
      path: '/alerts?constructor=1',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(query.status).toBe(400);
  });

  it('throws arbitrary bodies, queries and path values at every route, as an admin', async () => {
    expect(routes.length).toBeGreaterThan(40);
    await fuzz(
      'http / every route',
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(pathParam, { minLength: 3, maxLength: 3 }),
        query,
        body,
        clientAddress,
        async (route, params, q, payload, address) => {
          cases.hit('every route');
          let i = 0;
          const path = route.path.replace(/:[A-Za-z]+/g, () => params[i++]);
          const unsafe = route.method !== 'GET';
          logs.lines.length = 0;
          const result = await expectCleanAnswer(
            dataSource,
            url,
            {
              method: route.method,
              path: `${path}${q ? `?${q}` : ''}`,
              headers: {
                authorization: `Bearer ${admin}`,
                'x-forwarded-for': address,
                ...(unsafe ? { 'content-type': 'application/json' } : {}),
              },
              body: unsafe ? payload : undefined,
            },
            { logs },
          );
          cases.outcome('every route', result.status);
          // A revoked own token would turn the rest of the run into 401s.
          if (route.path === '/api/v1/tokens/:id' && result.status < 300)
            admin = await staffToken(vigil);
        },
      ),
      { runs: 600, ms: 12_000, floor: 150 },
    );
  });

  it('rule JSON through POST /api/v1/rules/validate and POST /api/v1/rules', async () => {
    const freshRule = fc
      .stringMatching(/^[a-z]{2,10}(-[a-z0-9]{1,6})?$/)
      .map((id) => ({ ...validRule(), id: `fuzz-${id}` }));
    const rule = fc.oneof(ruleTrees, mutateRule, hostileJson, freshRule);
    await fuzz(
      'http / rules',
      fc.asyncProperty(rule, fc.boolean(), async (value, create) => {
        cases.hit(create ? 'POST /api/v1/rules' : 'POST /api/v1/rules/validate');
        const text = JSON.stringify(value) ?? 'null';
        const path = create ? '/api/v1/rules' : '/api/v1/rules/validate';
        const result = await expectCleanAnswer(dataSource, url, {
          method: 'POST',
          path,
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: text,
        });
        cases.outcome(create ? 'POST /api/v1/rules' : 'POST /api/v1/rules/validate', result.status);
        if (create) {
          expect([201, 400, 409, 413]).toContain(result.status);
          if (result.status === 201) {
            // Created: it must read back, and not be created twice.
            const id = (result.json as { id: string }).id;
            expect(
              (
                await send(url, {
                  method: 'GET',
                  path: `/api/v1/rules/${id}`,
                  headers: { authorization: `Bearer ${admin}` },
                })
              ).status,
            ).toBe(200);
          }
        } else if (result.status === 200) {
          const verdict = result.json as {
            valid: boolean;
            errors: { path: string; message: string }[];
          };
          expect(typeof verdict.valid).toBe('boolean');
          expect(verdict.valid).toBe(verdict.errors.length === 0);
          for (const e of verdict.errors) expect(e.path).toMatch(/^\$/);
        } else {
          expect([400, 413]).toContain(result.status);
        }
      }),
      { runs: 400, ms: 6_000, floor: 100 },
    );
  });

  it('webhook bodies and headers: only a correct secret and signature queue anything', async () => {
    const notification = fc.record(
      {
        healthUserId: fc.oneof(fc.constant(healthUserId), fc.string({ maxLength: 70 })),
        dataType: fc.oneof(fc.constantFrom('steps', 'heart-rate', 'sleep'), fc.string()),
        operation: fc.constantFrom('UPSERT', 'DELETE', 'x'),
        intervals: fc.oneof(
          fc.array(
            fc.record({
              startTime: fc.oneof(
                fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
                fc.string(),
              ),
              endTime: fc.oneof(
                fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
                fc.string(),
              ),
            }),
            { maxLength: 3 },
          ),
          hostileJson,
        ),
      },
      { requiredKeys: [] },
    );
    const payload = fc.oneof(
      notification.map((n) => JSON.stringify(n)),
      fc
        .array(
          fc.oneof(
            notification.map((n) => ({ data: n })),
            hostileJson,
          ),
          { maxLength: 4 },
        )
        .map((a) => JSON.stringify(a)),
      body,
      fc.constant('{"type":"verification"}'),
    );
    const secret = fc.oneof(
      fc.constant(WEBHOOK_SECRET),
      fc.constant(`Bearer ${WEBHOOK_SECRET}`),
      fc.string({ maxLength: 40 }),
      fc.constant(undefined),
    );
    const signature = fc.oneof(
      fc.constant('valid'),
      fc.base64String({ maxLength: 120 }),
      fc.string(),
      fc.constant(undefined),
    );
    await fuzz(
      'http / webhook',
      fc.asyncProperty(
        payload,
        secret,
        signature,
        clientAddress,
        async (text, authorization, sig, address) => {
          cases.hit('POST /webhooks/google-health');
          const headers: Record<string, string> = {
            'content-type': 'application/json',
            'x-forwarded-for': address,
          };
          if (authorization !== undefined) headers.authorization = authorization;
          if (sig !== undefined)
            headers[SIGNATURE_HEADER] =
              sig === 'valid' ? sim.webhooks.sign(Buffer.from(text)) : sig;
          const signedRight =
            sig === 'valid' &&
            (authorization === WEBHOOK_SECRET || authorization === `Bearer ${WEBHOOK_SECRET}`);
          const result = await expectCleanAnswer(dataSource, url, {
            method: 'POST',
            path: '/webhooks/google-health',
            headers,
            body: text,
          });
          cases.outcome('POST /webhooks/google-health', result.status);
          if (result.status < 300 && !signedRight)
            expect([text.includes('verification'), result.status]).toEqual([true, 201]);
        },
      ),
      { runs: 500, ms: 5_000, floor: 100 },
    );
  });

  it('invitation and disconnect tokens, and OAuth callback queries', async () => {
    const token = fc.oneof(
      fc
        .base64String({ minLength: 40, maxLength: 48 })
        .map((t) => encodeURIComponent(t.replace(/=+$/, ''))),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      fc.constant(link.split('/').pop() ?? ''),
      pathParam,
    );
    const target = fc.oneof(
      fc
        .tuple(fc.constantFrom('GET', 'POST'), fc.constantFrom('/connect/', '/disconnect/'), token)
        .map(([m, p, t]) => ({ method: m, path: `${p}${t}` })),
      query.map((q) => ({ method: 'GET', path: `/oauth/google/callback?${q}` })),
      fc
        .record(
          {
            state: token,
            code: fc.string(),
            error: fc.constantFrom('', 'access_denied', 'server_error'),
          },
          { requiredKeys: [] },
        )
        .map((r) => ({
          method: 'GET',
          path: `/oauth/google/callback?${new URLSearchParams(r as Record<string, string>).toString()}`,
        })),
    );
    const cookie = fc.oneof(
      fc.constant(''),
      token.map((t) => `vigil_consent=${t}`),
      fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
    );
    await fuzz(
      'http / patient links and callback',
      fc.asyncProperty(target, cookie, clientAddress, async ({ method, path }, c, address) => {
        cases.hit('patient links and callback');
        const result = await expectCleanAnswer(dataSource, url, {
          method,
          path,
          headers: { 'x-forwarded-for': address, ...(c ? { cookie: c } : {}) },
        });
        cases.outcome('patient links and callback', result.status);
        // Only the one real invitation shows its page (200) or starts a consent (303 to
        // Google). `/x/%2e%2e` is `/` by the time it leaves the client: sign-in, not a link.
        if (result.status < 400 && result.location !== '/login') {
          expect([200, 303]).toContain(result.status);
          expect(path).toBe(link);
        }
      }),
      { runs: 500, ms: 5_000, floor: 100 },
    );
  });

  it('JSON of any depth and width, 5,000 levels included, at every body route', async () => {
    const bodyRoutes = routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
    expect(bodyRoutes.length).toBeGreaterThan(15);
    const probe = async (route: Route, text: string, address: string) => {
      cases.hit('deep bodies');
      logs.lines.length = 0;
      const result = await expectCleanAnswer(
        dataSource,
        url,
        {
          method: route.method,
          path: route.path.replace(/:[A-Za-z]+/g, '1'),
          headers: {
            authorization: `Bearer ${admin}`,
            'x-forwarded-for': address,
            'content-type': 'application/json',
          },
          body: text,
        },
        { logs },
      );
      cases.outcome('deep bodies', result.status);
      if (route.path === '/api/v1/tokens/:id' && result.status < 300)
        admin = await staffToken(vigil);
      return result.status;
    };
    // Every body route meets the 5,000-deep bodies once, whatever the sampling below picks.
    let n = 0;
    for (const route of bodyRoutes)
      for (const kind of ['array', 'object', 'mixed'] as const)
        expect(
          await probe(route, nestedJson(5000, 1, kind), `10.250.${n >> 8}.${n++ & 255}`),
        ).toBeLessThan(500);
    const shape = fc
      .record({
        depth: fc.oneof(
          fc.integer({ min: 1, max: 80 }),
          fc.integer({ min: 1, max: 6000 }),
          fc.constant(5000),
        ),
        width: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 400 })),
        kind: fc.constantFrom('array' as const, 'object' as const, 'mixed' as const),
      })
      // Past ~300 KB the body limit answers 413 before anything parses; more size teaches nothing.
      .filter(({ depth, width }) => depth * width <= 40_000);
    await fuzz(
      'http / deep bodies',
      fc.asyncProperty(
        fc.constantFrom(...bodyRoutes),
        shape,
        clientAddress,
        async (route, { depth, width, kind }, address) => {
          await probe(route, nestedJson(depth, width, kind), address);
        },
      ),
      { runs: 400, ms: 8_000, floor: 80 },
    );
  });
});
