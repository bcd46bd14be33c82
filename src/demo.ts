import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiTokens } from './auth/api-tokens';
import { startVigil } from './bootstrap';
import { ConfigurationError, loadEnvironment } from './config/environment';
import { KeyRing } from './crypto/key-ring';

/**
 * `npm run demo`: Vigil on the embedded database with keys of its own, for a
 * first look on a fresh machine. Nothing here is used in production: a real
 * start without ENCRYPTION_KEYS refuses to run.
 */
async function demo(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR ?? './data/demo');
  mkdirSync(dataDir, { recursive: true });
  const env = loadEnvironment({
    ...process.env,
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    ENCRYPTION_KEYS: demoKeys(dataDir),
  });

  const logFile = join(dataDir, 'vigil.log');
  const logStream = createWriteStream(logFile, { flags: 'a' });
  const vigil = await startVigil(env, { logWriter: (line) => logStream.write(`${line}\n`) });
  const { token } = await vigil.app.get(ApiTokens).issue('admin', 'demo admin', 'demo');

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void vigil.shutdown(signal).then(() => {
        logStream.end();
        process.exit(0);
      });
    });
  }

  const base = env.publicBaseUrl;
  console.log(`
Vigil demo is running (embedded SQLite at ${join(dataDir, 'vigil.sqlite')})

  Service        ${base}
  Readiness      ${base}/health/ready
  API docs       ${base}/docs
  Admin token    ${token}
                 (shown once; try: curl -H "Authorization: Bearer ${token}" ${base}/api/v1/whoami)
  Logs (JSON)    ${logFile}

Press Ctrl+C to stop.`);
}

/** The demo's own key ring, kept beside its database so restarts can read old secrets. */
function demoKeys(dataDir: string): string {
  const file = join(dataDir, 'demo-keys.env');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const keys = KeyRing.generateEntry('demo');
  writeFileSync(file, `${keys}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return keys;
}

demo().catch((error: unknown) => {
  console.error(
    error instanceof ConfigurationError || error instanceof Error ? error.message : 'Demo failed',
  );
  process.exit(1);
});
