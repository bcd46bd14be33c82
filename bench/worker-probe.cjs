/* global process, console, setInterval */
/**
 * Preloaded (`node -r ./bench/worker-probe.cjs`) into a Vigil worker that
 * bench/ingest.ts starts exactly as `npm run start:worker` does (compiled
 * code, same node flags). Every second, and once more at exit, it prints the
 * process's peak resident set size, the CPU time it has used and its V8 heap,
 * so the bench can tell the working set from heap growth and charge CPU per
 * sync. Plain JavaScript so that the worker carries no TypeScript compiler.
 */
'use strict';

function report() {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const mb = (bytes) => Math.round(bytes / 2 ** 20);
  // Writes to a pipe are synchronous on Linux, so the exit report is not lost.
  console.log(
    JSON.stringify({
      maxRssKb: process.resourceUsage().maxRSS,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      heapUsedMb: mb(memory.heapUsed),
      heapTotalMb: mb(memory.heapTotal),
      externalMb: mb(memory.external),
    }),
  );
}

setInterval(report, 1000).unref();
process.on('exit', report);
