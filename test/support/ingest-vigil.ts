import { DataSource } from 'typeorm';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { SyncRequests } from '../../src/ingest/sync-requests';
import type { LogWriter } from '../../src/logging/json-logger';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { GoogleHealthReader } from '../../src/wearables/google-health/health-api-reader';
import type { WearableConnection } from '../../src/wearables/wearable-connection.entity';
import { freshDatabase, type TestDatabase } from './databases';
import { connectPatient, simulatorEnv, type ConnectOptions } from './wearables';

/** A new patient connected to a simulated user. */
export interface SimulatedPatient {
  pid: number;
  userId: string;
  user: NonNullable<ReturnType<Simulator['cohort']['user']>>;
  connection: WearableConnection;
}

/** A running Vigil reading its own simulator into a fresh database of one engine. */
export interface IngestVigil {
  sim: Simulator;
  db: TestDatabase;
  vigil: VigilApp;
  dataSource: DataSource;
  syncs: SyncRequests;
  reader: GoogleHealthReader;
  /** The patient `pid` connected to simulated user `userId` (see connectPatient). */
  connect(pid: number, userId: string, options?: ConnectOptions): Promise<WearableConnection>;
  /** A new patient (pid 1000, 1001, ...) connected to the next simulated user (sim-1, sim-2, ...). */
  patient(options?: ConnectOptions): Promise<SimulatedPatient>;
  stop(): Promise<void>;
}

/**
 * Starts a simulator and Vigil against it. The tests decide when patients
 * sync: the sync tick waits an hour. Reads time out after 4 s, and a failed
 * read is retried after 5 ms, so a test's faults cost it no time. `env` adds
 * to Vigil's environment.
 */
export async function startIngestVigil(
  engine: 'sqlite' | 'mysql',
  simulator: SimulatorOptions,
  options: { env?: Record<string, string>; logWriter?: LogWriter } = {},
): Promise<IngestVigil> {
  const sim = await startSimulator(simulator);
  const db = await freshDatabase(engine, {
    ...simulatorEnv(sim),
    GOOGLE_HEALTH_TIMEOUT_MS: '4000',
    SYNC_TICK_SECONDS: '3600',
    ...options.env,
  });
  const vigil = await startVigil(db.env, { port: 0, logWriter: options.logWriter });
  const dataSource = vigil.app.get(DataSource);
  const reader = vigil.app.get(GoogleHealthReader);
  reader.firstRetryMs = 5;
  const connect = (pid: number, userId: string, connectOptions?: ConnectOptions) =>
    connectPatient(dataSource, db.env, sim, pid, userId, connectOptions);
  let patients = 0;
  return {
    sim,
    db,
    vigil,
    dataSource,
    syncs: vigil.app.get(SyncRequests),
    reader,
    connect,
    patient: async (connectOptions) => {
      const pid = 1000 + patients;
      const userId = `sim-${++patients}`;
      const connection = await connect(pid, userId, connectOptions);
      return { pid, userId, user: sim.cohort.user(userId)!, connection };
    },
    stop: async () => {
      await vigil.shutdown('test finished');
      await sim.close();
      await db.drop();
    },
  };
}
