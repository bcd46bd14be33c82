import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { freshDatabase, type TestDatabase } from '../support/databases';

interface Response {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}
interface Operation {
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: unknown;
  security?: unknown[];
  responses?: Record<string, Response>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { bearerFormat?: string; description?: string }> };
}

// Starting Vigil on a loaded CI machine can take longer than jest's 5 s default.
jest.setTimeout(60_000);

const PROBLEM = '#/components/schemas/ProblemBody';

/**
 * What an integrator reads at /docs: every route declares its path params,
 * its success body and its errors, so nobody learns them by trial.
 */
describe('the OpenAPI document at /docs-json', () => {
  let db: TestDatabase;
  let vigil: VigilApp;
  let doc: OpenApi;

  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    doc = (
      await request(vigil.url ?? '')
        .get('/docs-json')
        .expect(200)
    ).body as OpenApi;
  });
  afterAll(async () => {
    await vigil.shutdown('test finished');
    await db.drop();
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        route: `${method.toUpperCase()} ${path}`,
        path,
        op,
      })),
    );

  it('declares every path parameter of every route', () => {
    const undeclared = operations().flatMap(({ route, path, op }) =>
      [...path.matchAll(/\{(\w+)\}/g)]
        .map((match) => match[1])
        .filter(
          (name) =>
            !(op.parameters ?? []).some((p) => p.in === 'path' && p.name === name && p.required),
        )
        .map((name) => `${route}: {${name}}`),
    );
    expect(undeclared).toEqual([]);
    const twice = operations().filter(({ op }) => {
      const names = (op.parameters ?? []).map((p) => `${p.in}:${p.name}`);
      return new Set(names).size !== names.length;
    });
    expect(twice.map(({ route }) => route)).toEqual([]);
    expect(operations().length).toBeGreaterThan(30);
  });

  it('documents a success body for every route', () => {
    const missing = operations()
      .filter(({ op }) => {
        const ok = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
        return !ok.some(
          ([status, r]) =>
            status === '204' || r.content?.['application/json']?.schema !== undefined,
        );
      })
      .map(({ route }) => route);
    expect(missing).toEqual([]);
  });

  it("documents each route's errors, all in the one problem shape", () => {
    const gaps = operations().flatMap(({ route, path, op }) => {
      const responses = op.responses ?? {};
      const expected = [
        ...(path.startsWith('/api/') ? ['401', '403'] : []),
        ...(/\{\w+\}/.test(path) ? ['404'] : []),
        // A body or a query can be wrong; an unknown id in a path is a 404.
        ...(op.requestBody || (op.parameters ?? []).some((p) => p.in === 'query') ? ['400'] : []),
      ];
      const absent = expected
        .filter((status) => !responses[status])
        .map((s) => `${route}: no ${s}`);
      const unshaped = Object.entries(responses)
        .filter(([status]) => /^4\d\d$/.test(status))
        .filter(([, r]) => r.content?.['application/json']?.schema?.$ref !== PROBLEM)
        .map(([status]) => `${route}: ${status} is not a problem body`);
      return [...absent, ...unshaped];
    });
    expect(gaps).toEqual([]);
  });

  it('describes the bearer token as what it is: opaque, not a JWT', () => {
    const schemes = Object.values(doc.components.securitySchemes);
    expect(schemes.length).toBeGreaterThan(0);
    for (const scheme of schemes) expect(scheme.bearerFormat).not.toBe('JWT');
  });

  it('names a CLI command that exists for issuing a token', () => {
    const cli = readFileSync(join(__dirname, '../../src/cli.ts'), 'utf8');
    const commands = [...cli.matchAll(/\.command\('([\w:-]+)'/g)].map((m) => m[1]);
    for (const scheme of Object.values(doc.components.securitySchemes)) {
      const named = /npm run cli -- ([\w:-]+)/.exec(scheme.description ?? '')?.[1];
      expect(commands).toContain(named);
    }
  });
});
