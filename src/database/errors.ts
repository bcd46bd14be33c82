import { QueryFailedError } from 'typeorm';

/** A write refused by a unique key: another writer stored the same row first. */
export function isDuplicateKey(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    /duplicate|unique/i.test(String((error as { message?: string }).message))
  );
}

/**
 * Words for a queue item's `last_error` and the log: the error's kind, and a
 * driver's code. Messages are left out: they can echo SQL parameters or fact
 * values.
 */
export function errorKind(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown failure';
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } }).driverError?.code ??
    (error as { code?: unknown }).code;
  return code === undefined ? error.name : `${error.name} (${String(code)})`;
}
