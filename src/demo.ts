import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ApiTokens } from './auth/api-tokens';
import { generatePassword } from './auth/passwords';
import { StaffSessions } from './auth/staff-sessions';
import { StaffUserRepository } from './auth/staff-user.repository';
import { startVigil } from './bootstrap';
import { ConfigurationError, loadEnvironment } from './config/environment';
import { Invitations } from './consent/invitations';
import { KeyRing } from './crypto/key-ring';
import { Enrollments } from './patients/enrollments';
import { runDemoPipeline } from './demo-pipeline';
import { createOpenEmrStandIn } from './openemr/stand-in';
import { keepFilesPrivate, privateDataDir } from './database/private-files';
import { demoScenarios, googleSettingsFor, startSimulator } from './simulator';

/**
 * `npm run demo`: Vigil on the embedded database with keys of its own, for a
 * first look on a fresh machine. Nothing here is used in production: a real
 * start without ENCRYPTION_KEYS refuses to run.
 */
async function demo(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR ?? './data/demo');
  keepFilesPrivate();
  privateDataDir(dataDir);
  if (clearPreviousRun(dataDir))
    console.log(
      `Starting fresh: the simulator keeps the consents it granted in memory only, so the previous demo's databases in ${dataDir} were cleared.`,
    );
  const openEmrFile = join(dataDir, 'openemr.sqlite');
  const openEmr = await createOpenEmrStandIn(`sqlite:${openEmrFile}`);
  // Google has no sandbox: the demo talks to the project's simulator, in this process.
  const simulator = await startSimulator({
    port: Number(process.env.SIMULATOR_PORT ?? 0),
    scenarios: demoScenarios(new Date().toISOString().slice(0, 10)),
  });
  const settings: Record<string, string> = {
    ...googleSettingsFor(simulator.url),
    // OpenEMR stand-in: OpenEMR's tables in a second embedded database.
    OPENEMR_DATABASE_URL: `sqlite:${openEmrFile}`,
    ALERT_FALLBACK_RECIPIENTS: 'nurseward',
    CLINIC_NAME: process.env.CLINIC_NAME ?? 'Demo Clinic',
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    ENCRYPTION_KEYS: demoKeys(dataDir),
  };
  const env = loadEnvironment({ ...process.env, ...settings });
  const envFile = writeDemoEnv(dataDir, {
    ...settings,
    PORT: String(env.PORT),
    PUBLIC_BASE_URL: env.publicBaseUrl,
  });

  const logFile = join(dataDir, 'vigil.log');
  const logStream = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
  const vigil = await startVigil(env, { logWriter: (line) => logStream.write(`${line}\n`) });
  const { token } = await vigil.app.get(ApiTokens).issue('admin', 'demo admin', 'demo');
  const login = await demoClinicianLogin(
    vigil.app.get(StaffSessions),
    vigil.app.get(StaffUserRepository),
    dataDir,
  );
  const invitation = await inviteDemoPatient(
    vigil.app.get(Enrollments),
    vigil.app.get(Invitations),
  );

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void vigil.shutdown(signal).then(async () => {
        await simulator.close();
        logStream.end();
        process.exit(0);
      });
    });
  }

  await runDemoPipeline(vigil.app, vigil.url ?? env.publicBaseUrl, openEmr);

  const base = env.publicBaseUrl;
  console.log(`
Vigil demo is running (embedded SQLite at ${join(dataDir, 'vigil.sqlite')})

  Service        ${base}
  Sign in        ${base}/login
                 username ${login.username}, password ${login.password} (a demo clinician)
  Readiness      ${base}/health/ready
  API docs       ${base}/docs
  Admin token    ${token}
                 (shown once; try: curl -H "Authorization: Bearer ${token}" ${base}/api/v1/whoami)
  Logs (JSON)    ${logFile}
  Settings       ${envFile}
                 (for the CLI: npm run build, then npm run cli -- --env-file ${relative(process.cwd(), envFile)} doctor)
  Simulator      ${simulator.url} (Google OAuth and Health API stand-in)
  Patient invite ${invitation.url}
                 (patient ${DEMO_PID}: open it in a browser, continue to the simulator's Google page,
                 pick a simulated user and the data to share; the enrollment then turns active:
                 curl -H "Authorization: Bearer ${token}" ${base}/api/v1/patients/${DEMO_PID})

Press Ctrl+C to stop.`);
}

const DEMO_PID = 1;

/** Enrolls the demo patient unless a previous run did, and issues a fresh invitation. */
async function inviteDemoPatient(
  enrollments: Enrollments,
  invitations: Invitations,
): Promise<{ url: string }> {
  const existing = (await enrollments.list()).find((p) => p.pid === DEMO_PID);
  if (!existing || existing.status === 'ended') {
    await enrollments.enroll({ pid: DEMO_PID, program: 'demo' }, 'demo');
  }
  return invitations.invite(DEMO_PID, 'demo');
}

/**
 * A local clinician account for clicking through the demo, named after the
 * stand-in's provider of the scripted patients. The password is generated once
 * and kept beside the demo's keys so a restart prints the same login.
 */
async function demoClinicianLogin(
  staff: StaffSessions,
  users: StaffUserRepository,
  dataDir: string,
): Promise<{ username: string; password: string }> {
  const username = 'drsmith';
  const file = join(dataDir, 'demo-login.txt');
  const known = existsSync(file) && (await users.byUsername(username)) !== null;
  if (known) return { username, password: readFileSync(file, 'utf8').trim() };
  await users.deleteByUsername(username);
  const password = generatePassword();
  await staff.createLocalUser(username, 'clinician', password, 'demo');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return { username, password };
}

const DEMO_ENV = 'demo.env';
const DEMO_DATABASES = ['vigil.sqlite', 'openemr.sqlite'];

/**
 * The in-process simulator forgets the tokens it issued when the demo stops,
 * so a previous run's stored consents would be refused by the next one, and a
 * run killed mid-sync leaves its leases behind: every run starts from empty
 * databases instead. Only a folder the demo made (it holds demo.env, or the
 * demo-keys.env of earlier versions) is cleared. True when something was.
 */
function clearPreviousRun(dataDir: string): boolean {
  const files = DEMO_DATABASES.flatMap((name) =>
    ['', '-wal', '-shm', '-journal'].map((suffix) => join(dataDir, `${name}${suffix}`)),
  ).filter((file) => existsSync(file));
  if (files.length === 0) return false;
  if (!existsSync(join(dataDir, DEMO_ENV)) && !existsSync(join(dataDir, 'demo-keys.env')))
    throw new Error(
      `${dataDir} holds a database the demo did not create; point DATA_DIR at an empty folder`,
    );
  for (const file of files) rmSync(file, { force: true });
  rmSync(join(dataDir, 'demo-keys.env'), { force: true });
  return true;
}

/** The demo's own key ring, kept in demo.env across runs. */
function demoKeys(dataDir: string): string {
  const file = join(dataDir, DEMO_ENV);
  const kept = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')).ENCRYPTION_KEYS : undefined;
  return kept ?? KeyRing.generateEntry('demo');
}

/**
 * The demo's settings as a KEY=VALUE file (the format of .env), so the CLI can
 * work against the running demo: `vigil --env-file data/demo/demo.env doctor`.
 */
function writeDemoEnv(dataDir: string, settings: Record<string, string>): string {
  const file = join(dataDir, DEMO_ENV);
  const quote = (value: string): string =>
    /^[\w.:/@,+=-]*$/.test(value) ? value : value.includes("'") ? `"${value}"` : `'${value}'`;
  const lines = Object.entries(settings).map(([name, value]) => `${name}=${quote(value)}`);
  writeFileSync(
    file,
    `# Written by npm run demo at each start; read with --env-file. Holds the demo's key ring.\n${lines.join('\n')}\n`,
    { mode: 0o600 },
  );
  chmodSync(file, 0o600);
  return file;
}

demo().catch((error: unknown) => {
  console.error(
    error instanceof ConfigurationError || error instanceof Error ? error.message : 'Demo failed',
  );
  process.exit(1);
});
