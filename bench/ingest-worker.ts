/**
 * One Vigil worker process for bench/ingest.ts: starts Vigil (ROLE=worker from
 * the environment) and prints its peak resident set size every second.
 */
import { loadEnvironment } from '../src/config/environment';
import { startVigil } from '../src/bootstrap';

async function main(): Promise<void> {
  const vigil = await startVigil(loadEnvironment(), { logWriter: () => undefined });
  const report = (): void => {
    console.log(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
  };
  report();
  const timer = setInterval(report, 1000);
  process.once('SIGTERM', () => {
    clearInterval(timer);
    report();
    void vigil.shutdown('bench finished').then(() => process.exit(0));
  });
}

void main();
