import { DataSource } from 'typeorm';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { SyncRequests } from '../../src/ingest/sync-requests';
import { type Simulator, startSimulator } from '../../src/simulator';
import { GoogleHealthReader } from '../../src/wearables/google-health/health-api-reader';
import { freshDatabase, type TestDatabase } from '../support/databases';
import { connectPatient, simulatorEnv } from '../support/wearables';

jest.setTimeout(120_000);

/** Vigil's per-user budget, under the simulator's quota as 240 is under Google's 300. */
const BUDGET = 16;
const QUOTA = 20;
const MINUTE_MS = 60_000;

/** The most request starts within any window shorter than a minute (less 1 s for timing jitter). */
function busiestMinute(starts: readonly number[]): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last] - sorted[first] >= MINUTE_MS - 1000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/**
 * Google's per-user quota (300 a minute) counts every request for the user,
 * whichever sync sent it: a patient synced again and again (webhooks, "sync
 * now") must stay within one budget across those syncs. Time is virtual: the
 * reader's waits move the clock both Vigil and the simulator read, so minutes
 * of budget pass in milliseconds. SQLite only: the budget lives in the
 * worker's memory, the database plays no part.
 */
describe('per-user Google request budget across back-to-back syncs', () => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let aheadMs = 0;
  const starts: number[] = [];
  let refused = 0;

  beforeAll(async () => {
    const realNow = Date.now;
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + aheadMs);
    sim = await startSimulator({
      cohortSize: 2,
      seed: 'user-budget-test',
      rateLimitPerUserPerMinute: QUOTA,
    });
    const api = `${sim.url}/v4/`;
    // Before Vigil starts: the reader takes the global fetch when it is made.
    const realFetch = globalThis.fetch;
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const isApi = String(input instanceof Request ? input.url : input).startsWith(api);
      if (isApi) starts.push(Date.now());
      const response = await realFetch(input, init);
      if (isApi && response.status === 429) refused += 1;
      return response;
    });
    db = await freshDatabase('sqlite', {
      ...simulatorEnv(sim),
      GOOGLE_USER_REQUESTS_PER_MINUTE: String(BUDGET),
      SYNC_TICK_SECONDS: '3600',
    });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    const reader = vigil.app.get(GoogleHealthReader);
    reader.sleep = async (ms) => {
      aheadMs += ms;
    };
  });

  afterAll(async () => {
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
    jest.restoreAllMocks();
  });

  it('never sends more than the budget in any minute, however often the patient is synced', async () => {
    // Scheduled but not due: only the test's syncs run.
    await connectPatient(vigil.app.get(DataSource), db.env, sim, 4001, 'sim-1', {
      nextSyncAt: new Date(Date.now() + 3_600_000),
    });
    const syncs = vigil.app.get(SyncRequests);
    const results: string[] = [];
    // A backfill, then one sync after another at once, as webhooks and "sync now" bring them.
    for (let i = 0; i < 6; i++) {
      const outcome = await syncs.syncNow(4001);
      results.push(outcome.status === 'failed' ? outcome.reason : outcome.status);
    }
    expect(results).toEqual(Array(6).fill('synced'));
    // The budget had to hold the syncs back: they asked for several minutes' worth.
    expect(starts.length).toBeGreaterThan(3 * BUDGET);
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThan(2 * MINUTE_MS);
    expect(busiestMinute(starts)).toBeLessThanOrEqual(BUDGET);
    expect(refused).toBe(0);
  });
});
