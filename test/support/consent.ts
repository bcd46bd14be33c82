import {
  consentAsPatient,
  finishConsentAsPatient,
  startConsentAsPatient,
  type ConsentChoice,
  type StartedConsent,
} from '../../src/simulator/simulated-patient';
import request from 'supertest';
import { ApiTokens } from '../../src/auth/api-tokens';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { googleSettingsFor, startSimulator, type Simulator } from '../../src/simulator';
import { freshDatabase, type TestDatabase } from './databases';
import { freePort } from './processes';

/** Points Vigil's Google settings at an in-process simulator. */
export function simulatorEnv(sim: Simulator): Record<string, string> {
  return { ...googleSettingsFor(sim.url), CLINIC_NAME: 'Riverside Cardiology' };
}

export async function staffToken(
  vigil: VigilApp,
  role: 'admin' | 'clinician' | 'staff' = 'admin',
): Promise<string> {
  return (await vigil.app.get(ApiTokens).issue(role, `test ${role}`, 'test')).token;
}

export async function enroll(vigil: VigilApp, token: string, pid: number): Promise<void> {
  await request(vigil.url ?? '')
    .post('/api/v1/patients')
    .auth(token, { type: 'bearer' })
    .send({ pid })
    .expect(201);
}

/** Creates an invitation and returns the path of its link (`/connect/<token>`). */
export async function invite(vigil: VigilApp, token: string, pid: number): Promise<string> {
  const res = await request(vigil.url ?? '')
    .post(`/api/v1/patients/${pid}/invitations`)
    .auth(token, { type: 'bearer' })
    .expect(201);
  return new URL(res.body.url as string).pathname;
}

export type {
  ConsentChoice,
  StartedConsent as Started,
} from '../../src/simulator/simulated-patient';

export const startConsent = (vigil: VigilApp, invitationPath: string, choice: ConsentChoice = {}) =>
  startConsentAsPatient(vigil.url ?? '', invitationPath, choice);

export const finishConsent = (vigil: VigilApp, started: StartedConsent, cookie = started.cookie) =>
  finishConsentAsPatient(vigil.url ?? '', started, cookie);

/** The whole consent in one call; returns the callback page. */
export const consent = (vigil: VigilApp, invitationPath: string, choice: ConsentChoice = {}) =>
  consentAsPatient(vigil.url ?? '', invitationPath, choice);

/** The patient's disconnect link path from the connected page. */
export function disconnectPath(connectedPage: string): string {
  const match = /href="[^"]*(\/disconnect\/[A-Za-z0-9_-]{43})"/.exec(connectedPage);
  if (!match) throw new Error('no disconnect link on the page');
  return match[1];
}

/**
 * A simulator and an api-role Vigil (no ingestion workers) at a port chosen
 * first: Google sends the browser back to PUBLIC_BASE_URL, so it must be this
 * very address.
 */
export async function startVigilAtKnownAddress(): Promise<{
  sim: Simulator;
  db: TestDatabase;
  vigil: VigilApp;
  base: string;
}> {
  const sim = await startSimulator({ cohortSize: 3 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const db = await freshDatabase('sqlite', {
    ...simulatorEnv(sim),
    ROLE: 'api',
    PUBLIC_BASE_URL: base,
  });
  const vigil = await startVigil(db.env, { port, logWriter: () => undefined });
  return { sim, db, vigil, base };
}
