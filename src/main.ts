import { ConfigurationError, loadEnvironment } from './config/environment';
import { startVigil } from './bootstrap';

/** Process entry: validate configuration, start for ROLE, stop cleanly on SIGTERM. */
async function main(): Promise<void> {
  let env;
  try {
    env = loadEnvironment();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG: a supervisor should not restart-loop on bad configuration
    }
    throw error;
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
