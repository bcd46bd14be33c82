/* global process, console, setInterval, require */
/**
 * Preloaded (`node -r ./bench/worker-probe.cjs`) into a Vigil worker that
 * bench/ingest.ts starts exactly as `npm run start:worker` does (compiled
 * code, same node flags). Every second, and once more at exit, it prints the
 * process's peak resident set size, the CPU time it has used and its V8 heap,
 * so the bench can tell the working set from heap growth and charge CPU per
 * sync, and counts the SQL statements and transactions it sends (mysql2's
 * `query` and `execute`), so the bench can charge those per sync too. Plain
 * JavaScript so that the worker carries no TypeScript compiler.
 */
'use strict';

const counts = { statements: 0, transactions: 0 };
/** BENCH_STATEMENT_KINDS=1: statements by their first words, written to stderr at exit. */
const kinds = process.env.BENCH_STATEMENT_KINDS === '1' ? new Map() : null;
try {
  // Every connection (pooled or not) is a BaseConnection: Connection's prototype's prototype.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS, preloaded
  const base = Object.getPrototypeOf(require('mysql2').Connection.prototype);
  for (const method of ['query', 'execute']) {
    const original = base[method];
    base[method] = function (sql, ...rest) {
      const text = typeof sql === 'string' ? sql : (sql && sql.sql) || '';
      // Transactions by their start; their end (COMMIT, ROLLBACK) is no statement of its own.
      if (/^\s*(START TRANSACTION|BEGIN)/i.test(text)) counts.transactions += 1;
      else if (!/^\s*(COMMIT|ROLLBACK)/i.test(text)) counts.statements += 1;
      if (kinds !== null) {
        const kind = text.replace(/\s+/g, ' ').slice(0, 100);
        kinds.set(kind, (kinds.get(kind) || 0) + 1);
      }
      return original.call(this, sql, ...rest);
    };
  }
} catch {
  // Another driver: no counts.
}

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
      statements: counts.statements,
      transactions: counts.transactions,
    }),
  );
}

setInterval(report, 1000).unref();
process.on('exit', () => {
  report();
  if (kinds !== null) {
    const sorted = [...kinds].sort((a, b) => b[1] - a[1]);
    for (const [kind, n] of sorted) process.stderr.write(`${n}\t${kind}\n`);
  }
});
