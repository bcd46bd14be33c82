import { hashLinkToken, looksLikeLinkToken, newLinkToken, sameHash } from './link-tokens';

describe('link tokens', () => {
  it('are 256 random bits in base64url, stored as a SHA-256', () => {
    const token = newLinkToken();
    expect(looksLikeLinkToken(token)).toBe(true);
    expect(newLinkToken()).not.toBe(token);
    expect(hashLinkToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashLinkToken(token)).not.toContain(token);
  });

  it('turn away anything else before it reaches the database', () => {
    for (const value of [
      undefined,
      '',
      'short',
      `${'A'.repeat(43)}=`,
      `${'A'.repeat(42)}/`,
      'A'.repeat(44),
    ]) {
      expect(looksLikeLinkToken(value)).toBe(false);
    }
  });

  it('compare hashes without shortcuts', () => {
    const hash = hashLinkToken('x');
    expect(sameHash(hash, hashLinkToken('x'))).toBe(true);
    expect(sameHash(hash, hashLinkToken('y'))).toBe(false);
    expect(sameHash(hash, hash.slice(1))).toBe(false);
  });
});
