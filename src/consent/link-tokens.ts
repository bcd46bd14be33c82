import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens in patient links (invitation, disconnect) and OAuth `state`: 256
 * random bits, so a fast hash is enough to store them and a database dump
 * reveals no usable link.
 */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Rejects anything that cannot be one of our tokens before it reaches the database. */
export function looksLikeLinkToken(value: string | undefined): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** Constant-time comparison of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
