import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets (API tokens, session cookies, patient links): 256 random
 * bits, so a fast hash is enough to store them and a database dump reveals
 * none that works.
 */
export const randomSecret = (): string => randomBytes(32).toString('base64url');

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Constant-time equality of two secrets or hashes; empty never matches. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length > 0 && left.length === right.length && timingSafeEqual(left, right);
}

/** Rejects anything that cannot be one of our secrets before it reaches the database. */
export function looksLikeSecret(value: string | undefined): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
