import { loadEnvironment } from './config/environment';
import { applyEnvFile, envFileArgument } from './config/env-file';
import { startVigil } from './bootstrap';
import { keepFilesPrivate } from './database/private-files';

/**
 * Process entry: read .env (or --env-file PATH) under the environment, validate
 * the configuration, start for ROLE, stop cleanly on SIGTERM.
 */
async function main(): Promise<void> {
  keepFilesPrivate();
  let env;
  try {
    applyEnvFile(envFileArgument(process.argv.slice(2)));
    env = loadEnvironment();
  } catch (error) {
    // EX_CONFIG: a supervisor should not restart-loop on bad configuration.
    console.error(error instanceof Error ? error.message : 'The configuration cannot be read');
    process.exit(78);
  }
  const vigil = await startVigil(env);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void vigil.shutdown(signal).then(() => process.exit(0));
    });
  }
  vigil.logger.log(
    `Vigil is running (role ${env.ROLE})${vigil.url ? ` at ${env.publicBaseUrl}` : ''}`,
    'Lifecycle',
  );
}

main().catch((error: unknown) => {
  console.error('Vigil failed to start:', error instanceof Error ? error.message : 'unknown error');
  process.exit(1);
});
