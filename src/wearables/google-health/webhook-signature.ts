import { createPublicKey, KeyObject, timingSafeEqual, createHash, verify } from 'node:crypto';

/**
 * Google Health webhook authentication, as pure functions: the shared
 * `Authorization` secret and the ECDSA P-256 signature of the raw body, made
 * with a key from Google's published Tink keyset (format in
 * src/simulator/webhooks.ts). Header value: base64 of 0x01 || keyId (4 bytes,
 * big-endian) || DER signature.
 */

export const SIGNATURE_HEADERS = ['google-health-api-signature', 'x-healthapi-signature'];
const ECDSA_PUBLIC_KEY = 'type.googleapis.com/google.crypto.tink.EcdsaPublicKey';
const TINK_PREFIX = 0x01;

/** Compares in time independent of where the strings differ (digests equalise the lengths). */
export function secretMatches(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

/**
 * Why a webhook call is refused before its body is read, or null when its
 * secret matches. An unset secret means webhooks are off, said as such so an
 * operator testing the endpoint is not sent looking for a wrong secret.
 */
export function webhookSecretRefusal(
  given: string | undefined,
  secret: string | undefined,
): string | null {
  if (!secret) return 'Webhooks are off on this service (GOOGLE_HEALTH_WEBHOOK_SECRET is not set)';
  return secretMatches(given, secret) ? null : 'The webhook secret is missing or wrong';
}

/** Fields of a protobuf message by number (the last occurrence wins), length-delimited ones as bytes. */
function protoFields(bytes: Buffer): Map<number, Buffer | number> {
  const fields = new Map<number, Buffer | number>();
  let i = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (i >= bytes.length || shift > 35) throw new Error('truncated varint');
      const b = bytes[i++];
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
  };
  while (i < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) fields.set(field, varint());
    else if (wire === 2) {
      const length = varint();
      if (i + length > bytes.length) throw new Error('truncated field');
      fields.set(field, bytes.subarray(i, i + length));
      i += length;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return fields;
}

/** A big-endian integer as exactly 32 bytes (Tink may add a leading zero byte). */
function coordinate(value: Buffer | number | undefined): Buffer {
  if (!Buffer.isBuffer(value)) throw new Error('missing coordinate');
  let start = 0;
  while (start < value.length - 32 && value[start] === 0) start++;
  const trimmed = value.subarray(start);
  if (trimmed.length > 32) throw new Error('coordinate too long');
  return Buffer.concat([Buffer.alloc(32 - trimmed.length), trimmed]);
}

/** The ECDSA P-256 keys of a Tink public keyset, by key id; other keys are skipped. */
export function parseTinkKeyset(json: unknown): Map<number, KeyObject> {
  const keys = new Map<number, KeyObject>();
  const list = (json as { key?: unknown } | null)?.key;
  if (!Array.isArray(list)) throw new Error('keyset has no key list');
  for (const entry of list as Array<Record<string, unknown>>) {
    const data = entry?.keyData as Record<string, unknown> | undefined;
    if (
      data?.typeUrl !== ECDSA_PUBLIC_KEY ||
      entry.status !== 'ENABLED' ||
      typeof entry.keyId !== 'number' ||
      typeof data.value !== 'string'
    )
      continue;
    const fields = protoFields(Buffer.from(data.value, 'base64'));
    const params = fields.get(2);
    // NIST_P256 is curve 2 in Tink's enum; anything else is not ours to verify.
    if (!Buffer.isBuffer(params) || protoFields(params).get(2) !== 2) continue;
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: coordinate(fields.get(3)).toString('base64url'),
        y: coordinate(fields.get(4)).toString('base64url'),
      },
      format: 'jwk',
    });
    keys.set(entry.keyId, key);
  }
  return keys;
}

export interface ParsedSignature {
  keyId: number;
  der: Buffer;
}

/** The key id and DER signature of a header value; null when it is not a Tink-prefixed signature. */
export function parseSignatureHeader(value: string | undefined): ParsedSignature | null {
  if (!value || !/^[A-Za-z0-9+/=_-]+$/.test(value.trim())) return null;
  const bytes = Buffer.from(value.trim(), 'base64');
  if (bytes.length < 13 || bytes[0] !== TINK_PREFIX) return null;
  return { keyId: bytes.readUInt32BE(1), der: bytes.subarray(5) };
}

/** Whether `signature` is a valid ECDSA P-256/SHA-256 signature of exactly `body`. */
export function signatureValid(key: KeyObject, signature: ParsedSignature, body: Buffer): boolean {
  try {
    return verify('sha256', body, { key, dsaEncoding: 'der' }, signature.der);
  } catch {
    return false;
  }
}

/** One entry of a notification: who, which data type, and the earliest UTC date it touches. */
export interface DataChange {
  healthUserId: string;
  dataType: string | null;
  earliestDate: string | null;
}

const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})/;

/** The earliest date anywhere in an interval, whatever its encoding (RFC 3339, civil, {year,month,day}). */
function earliestDateIn(value: unknown, depth = 0): string | null {
  if (depth > 6 || value === null || value === undefined) return null;
  if (typeof value === 'string') return DATE_PREFIX.exec(value)?.[1] ?? null;
  if (Array.isArray(value))
    return value.map((v) => earliestDateIn(v, depth + 1)).reduce(earlier, null);
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.year === 'number' && typeof o.month === 'number' && typeof o.day === 'number') {
      const p = (n: number): string => String(n).padStart(2, '0');
      return `${String(o.year).padStart(4, '0')}-${p(o.month)}-${p(o.day)}`;
    }
    return Object.values(o)
      .map((v) => earliestDateIn(v, depth + 1))
      .reduce(earlier, null);
  }
  return null;
}

function earlier(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

/** Reads a notification body tolerantly: `[{data:{...}}]`, `{data:{...}}` or bare entries. */
export function parseNotification(body: unknown): DataChange[] {
  const entries = Array.isArray(body) ? body : [body];
  const changes: DataChange[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const data = ((entry as { data?: unknown }).data ?? entry) as Record<string, unknown>;
    if (typeof data.healthUserId !== 'string' || data.healthUserId === '') continue;
    changes.push({
      healthUserId: data.healthUserId.slice(0, 64),
      dataType: typeof data.dataType === 'string' ? data.dataType.slice(0, 64) : null,
      earliestDate: earliestDateIn(data.intervals),
    });
  }
  return changes;
}
