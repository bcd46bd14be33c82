/** `npm run simulator`: the Google OAuth + Health API simulator on its own port. */
import { demoScenarios } from './scenarios';
import { DEFAULT_CLIENT, startSimulator } from './server';

async function main(): Promise<void> {
  const port = Number(process.env.SIMULATOR_PORT ?? 4010);
  const cohortSize = Number(process.env.SIMULATOR_COHORT_SIZE ?? 20);
  const now = process.env.SIMULATOR_NOW;
  const today = new Date(now ?? Date.now()).toISOString().slice(0, 10);
  const withDemoScenarios = process.env.SIMULATOR_SCENARIOS !== 'none';
  const simulator = await startSimulator({
    port,
    host: process.env.SIMULATOR_HOST ?? '127.0.0.1',
    seed: process.env.SIMULATOR_SEED ?? 'vigil',
    cohortSize,
    now,
    scenarios: withDemoScenarios ? demoScenarios(today) : {},
    clean: process.env.SIMULATOR_CLEAN === 'true',
    ...(process.env.SIMULATOR_HEART_RATE_CADENCE_SECONDS === undefined
      ? {}
      : { heartRateCadenceSeconds: Number(process.env.SIMULATOR_HEART_RATE_CADENCE_SECONDS) }),
  });
  const url = simulator.url;
  process.stdout.write(
    [
      `Google Health API simulator listening on ${url} (${cohortSize} users, sim-1..sim-${cohortSize})`,
      `  GOOGLE_OAUTH_AUTHORIZE_URL=${url}/o/oauth2/v2/auth`,
      `  GOOGLE_OAUTH_TOKEN_URL=${url}/token`,
      `  GOOGLE_OAUTH_REVOKE_URL=${url}/revoke`,
      `  GOOGLE_HEALTH_API_BASE_URL=${url}/v4/`,
      `  GOOGLE_HEALTH_WEBHOOK_KEYSET_URL=${url}/__sim/webhook-keyset`,
      `  GOOGLE_CLIENT_ID=${DEFAULT_CLIENT.clientId}`,
      `  GOOGLE_CLIENT_SECRET=${DEFAULT_CLIENT.clientSecret}`,
      process.env.SIMULATOR_CLEAN === 'true'
        ? '  clean data: one heart-rate sample a minute, no messy habits'
        : '  messy data like real devices (SIMULATOR_CLEAN=true for tidy data): see habits in GET /__sim/users',
      withDemoScenarios
        ? '  demo scenarios on sim-2..sim-9 (SIMULATOR_SCENARIOS=none to disable): see GET /__sim/users'
        : '  no scenarios',
      `  admin: ${url}/__sim/users, ${url}/__sim/faults, ${url}/__sim/clock, ${url}/__sim/stats`,
      '',
    ].join('\n'),
  );
  const stop = (): void => {
    void simulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main().catch((error: unknown) => {
  process.stderr.write(`simulator failed to start: ${String(error)}\n`);
  process.exit(1);
});
