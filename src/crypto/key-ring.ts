import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Envelope encryption of secrets at rest. Each secret gets its own random data
 * key (AES-256-GCM); the data key is wrapped by a master key from
 * ENCRYPTION_KEYS (AES-256-GCM again) and the master key's id travels with the
 * ciphertext, so keys can rotate: encrypt with the first key, decrypt with any.
 *
 * Sealed format (ASCII, safe for a text column):
 *   v1.<keyId>.<wrapped data key>.<iv>.<ciphertext>.<tag>   (base64url parts)
 * The key id and version are bound as associated data, so moving a ciphertext
 * to another key id or version fails authentication instead of decrypting.
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const KEY_BYTES = 32;

export class SecretDecryptionError extends Error {
  constructor(reason: string) {
    super(`Cannot decrypt a stored secret: ${reason}`);
    this.name = 'SecretDecryptionError';
  }
}

export class KeyRing {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly currentKeyId: string,
  ) {}

  /** Parses `keyId:base64,keyId:base64`; the first key is the current one. */
  static parse(spec: string): KeyRing {
    const keys = new Map<string, Buffer>();
    for (const entry of spec.split(',')) {
      const separator = entry.indexOf(':');
      const id = entry.slice(0, separator).trim();
      const key = Buffer.from(entry.slice(separator + 1).trim(), 'base64');
      if (separator < 1 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
        throw new Error('ENCRYPTION_KEYS: each entry must be keyId:base64key');
      }
      if (key.length !== KEY_BYTES) {
        throw new Error(`ENCRYPTION_KEYS: key "${id}" must decode to ${KEY_BYTES} bytes`);
      }
      if (keys.has(id)) throw new Error(`ENCRYPTION_KEYS: key id "${id}" appears twice`);
      keys.set(id, key);
    }
    const [current] = keys.keys();
    return new KeyRing(keys, current);
  }

  /** A fresh key ring entry, for `keys:generate` and the demo. */
  static generateEntry(keyId: string): string {
    return `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`;
  }

  seal(plaintext: string): string {
    const dataKey = randomBytes(KEY_BYTES);
    const aad = Buffer.from(`${VERSION}.${this.currentKeyId}`);
    const wrapped = gcmEncrypt(this.keys.get(this.currentKeyId)!, dataKey, aad);
    const body = gcmEncrypt(dataKey, Buffer.from(plaintext, 'utf8'), aad);
    return [
      VERSION,
      this.currentKeyId,
      wrapped.toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) {
      throw new SecretDecryptionError('not a Vigil ciphertext (unknown format or version)');
    }
    const [version, keyId, wrapped, body] = parts;
    const masterKey = this.keys.get(keyId);
    if (!masterKey) {
      throw new SecretDecryptionError(
        `it was sealed with key "${keyId}", which is not in ENCRYPTION_KEYS`,
      );
    }
    const aad = Buffer.from(`${version}.${keyId}`);
    const dataKey = gcmDecrypt(masterKey, Buffer.from(wrapped, 'base64url'), aad);
    return gcmDecrypt(dataKey, Buffer.from(body, 'base64url'), aad).toString('utf8');
  }

  /** The id of the key that sealed a ciphertext, without decrypting it. */
  static keyIdOf(sealed: string): string | undefined {
    return sealed.split('.')[1];
  }

  /** Re-seals under the current key; cheap enough to run over every stored secret. */
  reseal(sealed: string): string {
    return KeyRing.keyIdOf(sealed) === this.currentKeyId ? sealed : this.seal(this.open(sealed));
  }
}

function gcmEncrypt(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]);
}

function gcmDecrypt(key: Buffer, packed: Buffer, aad: Buffer): Buffer {
  if (packed.length < IV_BYTES + 16) throw new SecretDecryptionError('the ciphertext is truncated');
  const iv = packed.subarray(0, IV_BYTES);
  const tag = packed.subarray(packed.length - 16);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([
      decipher.update(packed.subarray(IV_BYTES, packed.length - 16)),
      decipher.final(),
    ]);
  } catch {
    throw new SecretDecryptionError(
      'the ciphertext was altered or the key is wrong (authentication failed)',
    );
  }
}
