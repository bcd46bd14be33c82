import { KeyRing, SecretDecryptionError } from './key-ring';

const entry = (id: string, byte: number): string =>
  `${id}:${Buffer.alloc(32, byte).toString('base64')}`;

describe('KeyRing', () => {
  const ring = KeyRing.parse([entry('new', 1), entry('old', 2)].join(','));
  const oldOnly = KeyRing.parse(entry('old', 2));

  it('opens what it sealed, with a fresh ciphertext every time', () => {
    const a = ring.seal('refresh-token-value');
    const b = ring.seal('refresh-token-value');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('refresh-token-value');
    expect(ring.open(a)).toBe('refresh-token-value');
    expect(KeyRing.keyIdOf(a)).toBe('new');
  });

  it('decrypts with an older key and reseals under the current one', () => {
    const sealedByOld = oldOnly.seal('secret');
    expect(ring.open(sealedByOld)).toBe('secret');
    const resealed = ring.reseal(sealedByOld);
    expect(KeyRing.keyIdOf(resealed)).toBe('new');
    expect(ring.open(resealed)).toBe('secret');
    expect(ring.reseal(resealed)).toBe(resealed);
  });

  it('names the missing key instead of returning garbage', () => {
    expect(() => oldOnly.open(ring.seal('x'))).toThrow(
      /sealed with key "new", which is not in ENCRYPTION_KEYS/,
    );
  });

  it('refuses tampered bytes', () => {
    const sealed = ring.seal('secret');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[14] ^= 0x01;
    parts[3] = body.toString('base64url');
    expect(() => ring.open(parts.join('.'))).toThrow(SecretDecryptionError);
    expect(() => ring.open(parts.join('.'))).toThrow(/altered/);
  });

  it('refuses a ciphertext relabelled with another key id', () => {
    const parts = oldOnly.seal('secret').split('.');
    parts[1] = 'new';
    expect(() => ring.open(parts.join('.'))).toThrow(/authentication failed/);
  });

  it('refuses foreign formats and truncation', () => {
    expect(() => ring.open('plain text')).toThrow(/not a Vigil ciphertext/);
    expect(() => ring.open('v1.new.AAAA.AAAA')).toThrow(/truncated/);
  });

  it('rejects bad key specs with the reason', () => {
    expect(() => KeyRing.parse('k1:c2hvcnQ=')).toThrow(/must decode to 32 bytes/);
    expect(() => KeyRing.parse(`${entry('a', 1)},${entry('a', 2)}`)).toThrow(/appears twice/);
    expect(() => KeyRing.parse('nokey')).toThrow(/keyId:base64key/);
  });
});
