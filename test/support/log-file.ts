import { appendFileSync } from 'node:fs';
import { JsonLogger, type LogWriter } from '../../src/logging/json-logger';

/**
 * Jest setup file. When VIGIL_TEST_LOG_FILE is set (by the integration or
 * security project's global setup), every line any JsonLogger emits in this
 * test file is also appended there, at every level (captured before the
 * logger's level filter, as if it logged at debug), including the lines tests
 * throw away with a no-op writer, so the global teardown can scan the whole
 * run's logs for secrets.
 */
const file = process.env.VIGIL_TEST_LOG_FILE;
if (file) {
  type Emitting = { write: LogWriter; emit(...args: unknown[]): void };
  const proto = JsonLogger.prototype as unknown as Emitting;
  const emit = proto.emit;
  const toFile: LogWriter = (line) => appendFileSync(file, `${line}\n`);
  proto.emit = function (this: Emitting, ...args: unknown[]): void {
    emit.apply(
      Object.create(this, { write: { value: toFile }, level: { value: 'debug' } }) as Emitting,
      args,
    );
    emit.apply(this, args);
  };
}
