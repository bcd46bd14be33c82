import { looksLikeSecret, randomSecret, sameSecret, sha256Hex } from '../crypto/tokens';

/**
 * Tokens in patient links (invitation, disconnect) and OAuth `state` are bearer
 * secrets like API tokens and session cookies: 256 random bits, stored only as
 * a fast hash, so a database dump reveals no usable link.
 */
export const newLinkToken = randomSecret;
export const hashLinkToken = sha256Hex;
/** Constant-time comparison of two hashes. */
export const sameHash = sameSecret;

export const looksLikeLinkToken = looksLikeSecret;
