import { appendFileSync } from 'node:fs';
import { JsonLogger, type LogWriter } from '../../src/logging/json-logger';

/**
 * Jest setup file. When VIGIL_TEST_LOG_FILE is set (by the integration or
 * security project's global setup), every line any JsonLogger writes in this
 * test file is also appended there, including the lines tests throw away with
 * a no-op writer, so the global teardown can scan the whole run's logs for
 * secrets.
 */
const file = process.env.VIGIL_TEST_LOG_FILE;
if (file) {
  type Emitting = { write: LogWriter; emit(...args: unknown[]): void };
  const proto = JsonLogger.prototype as unknown as Emitting;
  const emit = proto.emit;
  proto.emit = function (this: Emitting, ...args: unknown[]): void {
    const write = this.write;
    const tee: LogWriter = (line) => {
      appendFileSync(file, `${line}\n`);
      write(line);
    };
    emit.apply(Object.create(this, { write: { value: tee } }) as Emitting, args);
  };
}
