import request from 'supertest';
import { DataSource } from 'typeorm';
import { startVigil, VigilApp } from '../../src/bootstrap';
import { Enrollment } from '../../src/patients/enrollment.entity';
import { startSimulator, Simulator } from '../../src/simulator';
import { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import {
  consent,
  disconnectPath,
  enroll,
  finishConsent,
  invite,
  simulatorEnv,
  staffToken,
  startConsent,
  type Started,
} from '../support/consent';
import { freshDatabase, TestDatabase } from '../support/databases';

/** The callback of `attempt` (its state and browser), carrying the code Google gave `donor`. */
const withCodeOf = (attempt: Started, donor: Started): Started => {
  const callback = new URL(attempt.callbackPath, 'http://vigil');
  const code = new URL(donor.callbackPath, 'http://vigil').searchParams.get('code') ?? '';
  callback.searchParams.set('code', code);
  return { ...attempt, callbackPath: `${callback.pathname}${callback.search}` };
};

/**
 * What consent.spec.ts does not already try: authorization codes moved between
 * consent attempts (the PKCE verifier must stop both directions), and links
 * replayed after they did their job. consent.spec.ts covers forged, expired,
 * other-browser and replayed states, and one account for two patients.
 */
describe('OAuth consent under attack', () => {
  let sim: Simulator;
  let db: TestDatabase;
  let vigil: VigilApp;
  let admin: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    sim = await startSimulator({ cohortSize: 4 });
    db = await freshDatabase('sqlite', { ...simulatorEnv(sim), ROLE: 'api' });
    vigil = await startVigil(db.env, { port: 0, logWriter: () => undefined });
    admin = await staffToken(vigil);
    dataSource = vigil.app.get(DataSource);
  });
  afterAll(async () => {
    await vigil.shutdown('test finished');
    await sim.close();
    await db.drop();
  });

  const connectionOf = async (pid: number): Promise<WearableConnection | null> => {
    const enrollment = await dataSource.getRepository(Enrollment).findOneByOrFail({ pid });
    return dataSource.getRepository(WearableConnection).findOneBy({ enrollmentId: enrollment.id });
  };

  it('refuses a code injected into another attempt (PKCE), in either direction, binding nobody', async () => {
    await enroll(vigil, admin, 601);
    await enroll(vigil, admin, 602);
    const victimLink = await invite(vigil, admin, 601);
    const attackerLink = await invite(vigil, admin, 602);
    const victim = await startConsent(vigil, victimLink, { user: 'sim-1' });
    const attacker = await startConsent(vigil, attackerLink, { user: 'sim-2' });
    const tokenCallsBefore = sim.oauth.tokenRequests('authorization_code');

    // The attacker replays the victim's leaked code through their own attempt...
    const stolen = await finishConsent(vigil, withCodeOf(attacker, victim));
    // Google's invalid_grant is the patient's to fix by starting again, not an outage (no 5xx).
    expect(stolen.status).toBe(400);
    expect(stolen.text).toContain('Please start again');
    expect(stolen.text).toContain('Open the invitation link');
    // ...or plants their own code in the victim's attempt, to bind their account to the victim.
    const planted = await finishConsent(vigil, withCodeOf(victim, attacker));
    expect(planted.status).toBe(400);
    // Both reached Google's token endpoint, which refused the verifier: the check is PKCE's.
    expect(sim.oauth.tokenRequests('authorization_code') - tokenCallsBefore).toBe(2);
    expect(await connectionOf(601)).toBeNull();
    expect(await connectionOf(602)).toBeNull();

    // The genuine patient starts again from the same invitation and connects their own account.
    const retry = await consent(vigil, victimLink, { user: 'sim-1' });
    expect(retry.status).toBe(200);
    expect((await connectionOf(601))?.healthUserId).toBe(sim.cohort.user('sim-1')?.healthUserId);
    expect(await connectionOf(602)).toBeNull();
  });

  it('keeps 5xx for Google being down at the code exchange, and a fresh start then works', async () => {
    await enroll(vigil, admin, 604);
    const link = await invite(vigil, admin, 604);
    sim.faults.add({ kind: 'unavailable', target: 'token', count: 1 });
    const down = await finishConsent(vigil, await startConsent(vigil, link, { user: 'sim-4' }));
    expect(down.status).toBe(502);
    expect(await connectionOf(604)).toBeNull();
    expect((await consent(vigil, link, { user: 'sim-4' })).status).toBe(200);
  });

  it('refuses a used invitation and a used disconnect link', async () => {
    await enroll(vigil, admin, 603);
    const link = await invite(vigil, admin, 603);
    const done = await consent(vigil, link, { user: 'sim-3' });
    expect(done.status).toBe(200);

    const again = await request(vigil.url ?? '').get(link);
    expect(again.status).toBe(410);
    const restart = await request(vigil.url ?? '')
      .post(link)
      .redirects(0);
    expect(restart.status).toBe(410);
    expect(restart.headers.location).toBeUndefined();

    const disconnect = disconnectPath(done.text);
    await request(vigil.url ?? '')
      .post(disconnect)
      .expect(200);
    expect((await connectionOf(603))?.disconnectedAt).toBeInstanceOf(Date);
    await request(vigil.url ?? '')
      .post(disconnect)
      .expect(404);
    await request(vigil.url ?? '')
      .get(disconnect)
      .expect(404);
  });
});
