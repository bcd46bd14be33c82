import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { DailyAggregateRow } from '../../src/aggregates/daily-aggregate.entity';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { SyncRequests } from '../../src/ingest/sync-requests';
import { SyncState } from '../../src/ingest/sync-state.entity';
import { Simulator, startSimulator } from '../../src/simulator';
import { DataTypeId, GOOGLE_HEALTH_DATA_TYPES } from '../../src/wearables/google-health/data-types';
import { GoogleHealthReader } from '../../src/wearables/google-health/health-api-reader';
import {
  MalformedResponseError,
  parseDataPointsPage,
} from '../../src/wearables/google-health/points';
import { freshDatabase, TestDatabase } from '../support/databases';
import { connectPatient, simulatorEnv } from '../support/wearables';
import { assertPrototypesClean, CaseCounter, fuzz, hostileJson } from './fuzz-support';

jest.setTimeout(120_000);
const cases = new CaseCounter();
const PID = 7001;

type Json = Record<string, unknown>;
const DATA_TYPES = Object.keys(GOOGLE_HEALTH_DATA_TYPES) as DataTypeId[];

/** One change to a genuine `dataPoints` page, the ways a broken or hostile API could send it. */
type Mutation =
  | { kind: 'drop-field' | 'wrong-type'; point: number; field: number; value: unknown }
  | { kind: 'duplicate-points' }
  | { kind: 'huge-page'; factor: number }
  | { kind: 'replace-body'; value: unknown }
  | { kind: 'bad-page-token'; value: unknown }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('drop-field' as const, 'wrong-type' as const),
    point: fc.nat(),
    field: fc.nat(),
    value: fc.oneof(
      hostileJson,
      fc.constantFrom('72', '', '2026-13-45T99:00:00Z', -1, 1e308, null),
    ),
  }),
  fc.constant({ kind: 'duplicate-points' as const }),
  fc.record({ kind: fc.constant('huge-page' as const), factor: fc.integer({ min: 2, max: 20 }) }),
  fc.record({ kind: fc.constant('replace-body' as const), value: hostileJson }),
  fc.record({
    kind: fc.constant('bad-page-token' as const),
    value: fc.oneof(hostileJson, fc.string()),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

/** Every path to a leaf inside a point, so a mutation can reach each field. */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value as Json).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

/** Applies a mutation to a page's JSON text; returns the text Google "sent". */
function mutate(text: string, m: Mutation): string {
  if (m.kind === 'truncate') return text.slice(0, m.at % Math.max(1, text.length));
  const page = JSON.parse(text) as Json;
  const points = Array.isArray(page.dataPoints) ? (page.dataPoints as Json[]) : [];
  switch (m.kind) {
    case 'replace-body':
      return JSON.stringify(m.value) ?? 'null';
    case 'bad-page-token':
      return JSON.stringify({ ...page, nextPageToken: m.value });
    case 'duplicate-points':
      return JSON.stringify({ ...page, dataPoints: [...points, ...points] });
    case 'huge-page': {
      // Up to ~50,000 points: five times Google's largest page.
      const factor = Math.min(m.factor, Math.ceil(50_000 / Math.max(1, points.length)));
      return JSON.stringify({
        ...page,
        dataPoints: Array.from({ length: factor }, () => points).flat(),
      });
    }
    default: {
      if (points.length === 0) return JSON.stringify({ ...page, dataPoints: [m.value] });
      const point = structuredClone(points[m.point % points.length]);
      const paths = leafPaths(point);
      const path = paths[m.field % paths.length];
      let parent = point as Json;
      for (const key of path.slice(0, -1)) parent = parent[key] as Json;
      const leaf = path[path.length - 1];
      if (leaf === undefined) return JSON.stringify({ ...page, dataPoints: [m.value] });
      if (m.kind === 'drop-field') delete parent[leaf];
      else parent[leaf] = m.value;
      points[m.point % points.length] = point;
      return JSON.stringify({ ...page, dataPoints: points });
    }
  }
}

const twoDaysAgo = (): string => new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);

describe('Google Health API responses (fuzz)', () => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let dataSource: DataSource;
  let syncs: SyncRequests;
  let reader: GoogleHealthReader;
  /** Genuine pages by data type, recorded from a clean sync. */
  const genuine = new Map<DataTypeId, string[]>();
  let plan: { dataType: DataTypeId; mutation: Mutation } | null = null;
  let mutated = 0;

  beforeAll(async () => {
    // Budgets and their waits have their own tests (ingest-user-budget.spec.ts). Here a
    // wait of up to a minute would outlast the cases' time budget and keep a sync
    // sleeping after the run, so neither the simulator nor the reader limits the rate.
    sim = await startSimulator({
      cohortSize: 2,
      seed: 'fuzz-google',
      rateLimitPerUserPerMinute: 0,
    });
    db = await freshDatabase('sqlite', {
      ...simulatorEnv(sim),
      ROLE: 'api',
      BACKFILL_DAYS: '14',
      GOOGLE_HEALTH_TIMEOUT_MS: '4000',
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    dataSource = vigil.app.get(DataSource);
    syncs = vigil.app.get(SyncRequests);
    reader = vigil.app.get(GoogleHealthReader);
    reader.firstRetryMs = 1;
    reader.sleep = async () => undefined;
    // Google's answers pass through here: recorded when clean, changed when a case says so.
    const realFetch = fetch;
    (reader as unknown as { fetchFn: typeof fetch }).fetchFn = async (input, init) => {
      const response = await realFetch(input, init);
      const dataType = /dataTypes\/([a-z-]+)\/dataPoints/.exec(String(input))?.[1] as
        DataTypeId | undefined;
      if (!dataType || !response.ok) return response;
      const text = await response.text();
      if (plan === null) genuine.set(dataType, [...(genuine.get(dataType) ?? []), text]);
      const body = plan?.dataType === dataType ? mutate(text, plan.mutation) : text;
      if (plan?.dataType === dataType) mutated += 1;
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    };
    await connectPatient(dataSource, db.env, sim, PID, 'sim-1', {
      nextSyncAt: new Date(Date.now() + 3_600_000),
    });
    expect(await syncs.syncNow(PID)).toMatchObject({ status: 'synced' });
  });
  afterAll(async () => {
    cases.report('google responses');
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  it('parses any page into typed points or a MalformedResponseError naming the path', async () => {
    expect(genuine.size).toBeGreaterThan(3);
    // Small slices of genuine pages keep cases fast; huge pages go through the sync below.
    const slice = (text: string) => {
      const page = JSON.parse(text) as Json;
      const points = Array.isArray(page.dataPoints) ? page.dataPoints.slice(0, 50) : [];
      return JSON.stringify({ ...page, dataPoints: points });
    };
    const recorded = [...genuine].flatMap(([type, pages]) =>
      pages.slice(0, 3).map((p) => [type, slice(p)] as const),
    );
    await fuzz(
      'google responses / page parser',
      fc.property(
        fc.constantFrom(...recorded),
        mutation,
        fc.constantFrom(...DATA_TYPES),
        ([type, page], m, otherType) => {
          cases.hit('page parser');
          const text = mutate(page, m);
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            return; // the reader turns unparsable text into MalformedResponseError itself
          }
          for (const dataType of [type, otherType]) {
            try {
              const parsed = parseDataPointsPage(dataType, body);
              for (const point of parsed.points)
                for (const value of Object.values(point))
                  if (typeof value === 'number' && !Number.isFinite(value))
                    throw new Error(`a ${dataType} point holds ${value}`);
              cases.outcome('page parser', 'parsed');
            } catch (error) {
              if (!(error instanceof MalformedResponseError)) throw error;
              expect(error.message).toMatch(/^[A-Za-z[\].0-9]+: /);
              cases.outcome('page parser', 'malformed');
            }
          }
          assertPrototypesClean('page parser');
        },
      ),
      { runs: 2000, ms: 4000, floor: 100 },
    );
  });

  it('ends every sync synced with sound numbers, or failed cleanly with nothing written', async () => {
    const rows = async () =>
      JSON.stringify(
        await dataSource
          .getRepository(DailyAggregateRow)
          .find({ where: { pid: PID }, order: { date: 'ASC' } }),
      );
    const types = [...genuine.keys()];
    await fuzz(
      'google responses / sync',
      fc.asyncProperty(fc.constantFrom(...types), mutation, async (dataType, m) => {
        cases.hit('sync');
        const before = await rows();
        const cursor = (
          await dataSource.getRepository(SyncState).findOneByOrFail({ connectionId: 1 })
        ).cursorDate;
        mutated = 0;
        plan = { dataType, mutation: m };
        const outcome = await syncs.syncNow(PID).finally(() => (plan = null));
        cases.outcome(
          'sync',
          outcome.status === 'failed'
            ? `failed: ${outcome.reason.replace(/\(.*$/, '').trim()}${mutated === 0 ? ' (untouched)' : ''}`
            : outcome.status,
        );
        const state = await dataSource
          .getRepository(SyncState)
          .findOneByOrFail({ connectionId: 1 });
        expect(state.leaseOwner).toBeNull();
        if (outcome.status === 'failed') {
          expect(outcome.reason).not.toMatch(/Internal error/);
          expect(await rows()).toBe(before);
          expect(state.cursorDate).toEqual(cursor);
        } else {
          if (outcome.status !== 'synced')
            throw new Error(`sync ${outcome.status}: ${outcome.reason}`);
          // A point Google repeats (page overlap) is one reading: the days read must come
          // out exactly as a clean read of the same data makes them.
          if (m.kind === 'duplicate-points' || m.kind === 'huge-page') {
            const settled = (text: string) =>
              (JSON.parse(text) as Json[])
                .filter(
                  (r) => outcome.dates.includes(String(r.date)) && String(r.date) < twoDaysAgo(),
                )
                .map(({ updatedAt: _updated, ...r }) => r);
            const repeated = settled(await rows());
            const again = await syncs.syncNow(PID);
            expect(again.status === 'failed' ? again.reason : again.status).toBe('synced');
            expect(repeated).toEqual(settled(await rows()));
          }
          for (const row of JSON.parse(await rows()) as Json[])
            for (const value of Object.values(row))
              if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
        }
        assertPrototypesClean('sync');
      }),
      { runs: 60, ms: 10_000, floor: 10 },
    );
  });
});
