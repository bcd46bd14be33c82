import { QueryFailedError } from 'typeorm';

/** A write refused by a unique key: another writer stored the same row first. */
export function isDuplicateKey(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    /duplicate|unique/i.test(String((error as { message?: string }).message))
  );
}
