import { DataSource } from 'typeorm';
import { Environment } from '../../src/config/environment';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrateDatabase } from '../../src/database/migrate';
import { inTransaction } from '../../src/database/transactions';
import type { OpenEmrDatabase } from '../../src/openemr/openemr-database';
import { Scenario, Simulator } from '../../src/simulator';
import { connectionTokensOn, connectSimulatedUser } from './wearables';

/** First OpenEMR pid of a scripted cohort (the stand-in's own patients are 1-6). */
export const COHORT_FIRST_PID = 101;

/**
 * Scenarios that make the clinic's rules fire, spread over a cohort: five of
 * every six patients develop something, the sixth stays well.
 */
export function scriptedScenarios(size: number, today: string): Record<string, Scenario[]> {
  const daysAgo = (days: number): string =>
    new Date(Date.parse(`${today}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  const kinds: (Scenario | null)[] = [
    { kind: 'resting-hr-rise', from: daysAgo(10) },
    { kind: 'sleep-deficit', from: daysAgo(7) },
    { kind: 'heart-failure-weight-gain', from: daysAgo(5) },
    { kind: 'activity-drop', from: daysAgo(14) },
    { kind: 'low-spo2', from: daysAgo(4) },
    null,
  ];
  const scenarios: Record<string, Scenario[]> = {};
  for (let i = 1; i <= size; i++) {
    const scenario = kinds[i % kinds.length];
    if (scenario) scenarios[`sim-${i}`] = [scenario];
  }
  return scenarios;
}

/** Adds the cohort's patients to OpenEMR's patient_data, half with drsmith, half with drjones. */
export async function addOpenEmrPatients(openEmr: OpenEmrDatabase, size: number): Promise<void> {
  await openEmr.transaction(async (sql) => {
    for (let i = 0; i < size; i++) {
      const pid = COHORT_FIRST_PID + i;
      await sql.insert(
        `INSERT INTO patient_data (pid, pubpid, fname, lname, DOB, email, providerID, allow_patient_portal)
         VALUES (?, ?, ?, ?, ?, ?, ?, '')`,
        [pid, `C${pid}`, 'Test', `Patient ${pid}`, '1950-01-01', '', i % 2 === 0 ? 3 : 4],
      );
    }
  });
}

/** Migrates Vigil's database and connects simulator users sim-1..sim-N as pids 101.., due now. */
export async function prepareVigilDatabase(
  env: Environment,
  sim: Simulator,
  size: number,
): Promise<DataSource> {
  const ds = await new DataSource(dataSourceOptions(env)).initialize();
  await migrateDatabase(ds);
  const tokens = connectionTokensOn(ds, env);
  for (let start = 0; start < size; start += 100) {
    await inTransaction(ds, async (manager) => {
      for (let i = start; i < Math.min(size, start + 100); i++)
        await connectSimulatedUser(manager, tokens, sim, COHORT_FIRST_PID + i, `sim-${i + 1}`);
    });
  }
  return ds;
}
