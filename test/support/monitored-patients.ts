import { DataSource } from 'typeorm';
import type { VigilApp } from '../../src/bootstrap';
import { Enrollment } from '../../src/patients/enrollment.entity';

/** An active enrollment written straight to the table, for tests that seed aggregates by hand. */
export async function activeEnrollment(
  vigil: VigilApp,
  pid: number,
  now = new Date(),
): Promise<void> {
  await vigil.app.get(DataSource).getRepository(Enrollment).save({
    pid,
    program: null,
    status: 'active',
    timeZone: 'UTC',
    syncIntervalMinutes: 60,
    createdAt: now,
    createdBy: 'test',
    updatedAt: now,
    endedAt: null,
  });
}

/** A monitored patient as the rule evaluations see it, synced just now. */
export const syncedPatient = (pid: number, now: Date) => ({
  pid,
  program: null,
  timeZone: 'UTC',
  lastSyncAt: now,
  lastDeviceSyncAt: now,
});
