import type { LogWriter } from '../../src/logging/json-logger';

/** Collects every log line a test produces, so tests can look for leaks. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly write: LogWriter = (line) => {
    this.lines.push(line);
  };
  get text(): string {
    return this.lines.join('\n');
  }
}
