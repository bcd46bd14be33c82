/**
 * One Vigil worker process for bench/ingest.ts: starts Vigil (ROLE=worker from
 * the environment) and prints, every second, its peak resident set size, the
 * CPU time it has used and its V8 heap, so the bench can tell the working set
 * from heap growth and charge CPU per sync.
 */
import { loadEnvironment } from '../src/config/environment';
import { startVigil } from '../src/bootstrap';

async function main(): Promise<void> {
  const vigil = await startVigil(loadEnvironment(), { logWriter: () => undefined });
  const report = (): void => {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    console.log(
      JSON.stringify({
        maxRssKb: process.resourceUsage().maxRSS,
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        heapUsedMb: Math.round(memory.heapUsed / 2 ** 20),
        heapTotalMb: Math.round(memory.heapTotal / 2 ** 20),
        externalMb: Math.round(memory.external / 2 ** 20),
      }),
    );
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
