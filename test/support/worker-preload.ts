/**
 * Test-only hooks loaded into a Vigil process with `node -r` by the chaos test,
 * the soak run and the load benchmark; never part of the service. Each hook is
 * off unless its variable (named VIGIL_TEST_*) is set.
 *
 * - VIGIL_TEST_CLOCK_OFFSET_MS: the process's clock runs this far ahead of real
 *   time; the parent moves it on with an IPC message `{ clockOffsetMs }`, so
 *   simulated days pass in seconds while timers and leases keep real durations.
 * - VIGIL_TEST_CRASH_AFTER_OPENEMR_WRITE: probability (0-1) that the process
 *   SIGKILLs itself after a message or reminder is written into OpenEMR and
 *   before its outbox row is marked delivered; IPC `{ crashAfterOpenEmrWrite }`
 *   changes it.
 * - VIGIL_TEST_CRASH_BEFORE_EVALUATION: probability (0-1) that the process
 *   SIGKILLs itself after a sync committed and before the rules evaluate it;
 *   IPC `{ crashBeforeEvaluation }` changes it.
 * - IPC `{ sample: true }` is answered with memory (after a full collection
 *   when node runs with --expose-gc) and active handles.
 */
import { writeSync } from 'node:fs';
// The same module instance as the service's (one require cache).
import { OutboxRepository } from '../../src/delivery/outbox.repository';
import { RuleEvaluations } from '../../src/rules/rule-evaluations.service';

const RealDate = Date;
let offsetMs = Number(process.env.VIGIL_TEST_CLOCK_OFFSET_MS ?? 'NaN');

if (Number.isFinite(offsetMs)) {
  class OffsetDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...(args as [string]));
    }
    static override now(): number {
      return RealDate.now() + offsetMs;
    }
  }
  globalThis.Date = OffsetDate as DateConstructor;
}

let crashProbability = Number(process.env.VIGIL_TEST_CRASH_AFTER_OPENEMR_WRITE ?? '0');
if (crashProbability > 0) {
  const markDelivered = OutboxRepository.prototype.markDelivered;
  OutboxRepository.prototype.markDelivered = function (this: unknown, ...args) {
    const [row] = args;
    if (row.kind !== 'routing' && row.kind !== 'email' && Math.random() < crashProbability) {
      writeSync(1, `VIGIL_TEST crash after OpenEMR write of delivery ${row.id}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
    return markDelivered.apply(this, args);
  };
}

let crashBeforeEvaluation = Number(process.env.VIGIL_TEST_CRASH_BEFORE_EVALUATION ?? '0');
if (crashBeforeEvaluation > 0) {
  const evaluateSynced = RuleEvaluations.prototype.evaluateSynced;
  RuleEvaluations.prototype.evaluateSynced = function (this: unknown, ...args) {
    if (Math.random() < crashBeforeEvaluation) {
      writeSync(
        1,
        `VIGIL_TEST crash after the sync of patient ${args[0].pid}, before its evaluation\n`,
      );
      process.kill(process.pid, 'SIGKILL');
    }
    return evaluateSynced.apply(this, args);
  };
}

if (process.send) {
  type Message = {
    clockOffsetMs?: number;
    crashAfterOpenEmrWrite?: number;
    crashBeforeEvaluation?: number;
    sample?: boolean;
  };
  process.on('message', (message: Message) => {
    if (typeof message?.clockOffsetMs === 'number') offsetMs = message.clockOffsetMs;
    if (typeof message?.crashAfterOpenEmrWrite === 'number')
      crashProbability = message.crashAfterOpenEmrWrite;
    if (typeof message?.crashBeforeEvaluation === 'number')
      crashBeforeEvaluation = message.crashBeforeEvaluation;
    if (message?.sample) {
      (globalThis as { gc?: () => void }).gc?.();
      const memory = process.memoryUsage();
      process.send?.({
        sample: {
          rss: memory.rss,
          heapUsed: memory.heapUsed,
          handles: process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap').length,
        },
      });
    }
  });
  // The IPC channel must not keep a process alive that is otherwise done, and
  // a process whose test or benchmark died goes with it.
  process.channel?.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  if (!process.connected) process.kill(process.pid, 'SIGKILL');
}
