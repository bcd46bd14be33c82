import type { LoggerService } from '@nestjs/common';
import type { LogLevel } from '../config/environment';
import { redact, redactText } from './redact';
import { currentRequestId } from './request-context';

const SEVERITY: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export type LogWriter = (line: string) => void;

export const stdoutWriter: LogWriter = (line) => process.stdout.write(`${line}\n`);

/**
 * One JSON object per line, every field redacted, with the request id when
 * there is one. Used by Nest (as its logger) and by Vigil's own code.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly level: LogLevel = 'info',
    private readonly write: LogWriter = stdoutWriter,
    private readonly defaultContext?: string,
  ) {}

  /** A logger for one feature, sharing level and output. */
  forContext(context: string): JsonLogger {
    return new JsonLogger(this.level, this.write, context);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.emit('info', message, rest);
  }
  info(message: unknown, fields?: Record<string, unknown>): void {
    this.emit('info', message, fields ? [fields] : []);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (SEVERITY[level] > SEVERITY[this.level]) return;
    // Nest passes the context as the last string argument and an error stack before it.
    const args = [...rest];
    const context =
      typeof args[args.length - 1] === 'string' ? (args.pop() as string) : this.defaultContext;
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      context,
      requestId: currentRequestId(),
    };
    if (message instanceof Error) {
      entry.msg = redactText(message.message);
      entry.error = redact(message);
    } else if (typeof message === 'string') {
      entry.msg = redactText(message);
    } else {
      entry.msg = redact(message);
    }
    for (const arg of args) {
      if (arg instanceof Error) entry.error = redact(arg);
      else if (typeof arg === 'string') entry.stack = redactText(arg);
      else if (arg && typeof arg === 'object') Object.assign(entry, redact(arg) as object);
    }
    this.write(JSON.stringify(entry));
  }
}
