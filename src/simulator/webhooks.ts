/**
 * Webhook notifications as Google sends them, signed with the simulator's own
 * test keyset (Google's keyset location is not public; Vigil reads the keyset
 * URL from configuration, so it points at GET /__sim/webhook-keyset here).
 *
 * Keyset format: Tink's JSON keyset of ECDSA public keys.
 *   {"primaryKeyId": 123, "key": [{"keyData": {"typeUrl":
 *     "type.googleapis.com/google.crypto.tink.EcdsaPublicKey", "value": <base64 of the
 *     serialized EcdsaPublicKey proto>, "keyMaterialType": "ASYMMETRIC_PUBLIC"},
 *     "status": "ENABLED", "keyId": 123, "outputPrefixType": "TINK"}]}
 * EcdsaPublicKey proto: field 2 params {1 hash_type=SHA256(3), 2 curve=NIST_P256(2),
 * 3 encoding=DER(2)}, field 3 x, field 4 y (big-endian, 32 bytes each).
 *
 * Signature header (`GOOGLE-HEALTH-API-SIGNATURE`): standard base64 of Tink's
 * output: 0x01 || keyId (4 bytes, big-endian) || ECDSA P-256/SHA-256 signature of
 * the raw body in DER (ASN.1) encoding, not IEEE P1363. A verifier reads the key
 * id from bytes 1-4, finds that key in the keyset (refetching it once when the
 * id is unknown), and verifies bytes 5.. over the exact body bytes received.
 */
import { generateKeyPairSync, KeyObject, randomInt, sign } from 'node:crypto';

export const SIGNATURE_HEADER = 'GOOGLE-HEALTH-API-SIGNATURE';
export const ECDSA_PUBLIC_KEY_TYPE_URL = 'type.googleapis.com/google.crypto.tink.EcdsaPublicKey';

export interface TinkKeysetKey {
  keyData: { typeUrl: string; value: string; keyMaterialType: 'ASYMMETRIC_PUBLIC' };
  status: 'ENABLED';
  keyId: number;
  outputPrefixType: 'TINK';
}

export interface TinkPublicKeyset {
  primaryKeyId: number;
  key: TinkKeysetKey[];
}

export type WebhookOperation = 'UPSERT' | 'DELETE';

export interface WebhookNotification {
  healthUserId: string;
  dataType: string;
  operation: WebhookOperation;
  intervals: Array<{ startTime: string; endTime: string }>;
  clientProvidedSubscriptionName?: string;
}

export interface WebhookDelivery {
  status: number;
  body: string;
}

interface SigningKey {
  keyId: number;
  privateKey: KeyObject;
  publicKeyProto: Buffer;
}

function lengthDelimited(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, bytes.length]), bytes]);
}

function ecdsaPublicKeyProto(privateKey: KeyObject): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x as string, 'base64url');
  const y = Buffer.from(jwk.y as string, 'base64url');
  const params = Buffer.from([0x08, 3, 0x10, 2, 0x18, 2]);
  return Buffer.concat([lengthDelimited(2, params), lengthDelimited(3, x), lengthDelimited(4, y)]);
}

export class WebhookSigner {
  private keys: SigningKey[] = [];

  constructor() {
    this.rotate();
  }

  /** Adds a new primary key; earlier keys stay in the keyset so in-flight signatures verify. */
  rotate(): number {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyId = randomInt(1, 2 ** 31);
    this.keys.push({ keyId, privateKey, publicKeyProto: ecdsaPublicKeyProto(privateKey) });
    return keyId;
  }

  /** Drops every key but the primary one (a verifier holding old keys must refetch). */
  retireOldKeys(): void {
    this.keys = this.keys.slice(-1);
  }

  keyset(): TinkPublicKeyset {
    return {
      primaryKeyId: this.keys[this.keys.length - 1].keyId,
      key: this.keys.map((key) => ({
        keyData: {
          typeUrl: ECDSA_PUBLIC_KEY_TYPE_URL,
          value: key.publicKeyProto.toString('base64'),
          keyMaterialType: 'ASYMMETRIC_PUBLIC',
        },
        status: 'ENABLED',
        keyId: key.keyId,
        outputPrefixType: 'TINK',
      })),
    };
  }

  sign(body: Buffer): string {
    const key = this.keys[this.keys.length - 1];
    const prefix = Buffer.alloc(5);
    prefix[0] = 0x01;
    prefix.writeUInt32BE(key.keyId, 1);
    const signature = sign('sha256', body, { key: key.privateKey, dsaEncoding: 'der' });
    return Buffer.concat([prefix, signature]).toString('base64');
  }

  /** POSTs a signed body with the subscriber's `Authorization` secret. */
  async post(url: string, secret: string | null, payload: unknown): Promise<WebhookDelivery> {
    const body = Buffer.from(JSON.stringify(payload));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      [SIGNATURE_HEADER]: this.sign(body),
    };
    if (secret !== null) headers.Authorization = secret;
    const response = await fetch(url, { method: 'POST', headers, body });
    return { status: response.status, body: await response.text() };
  }

  /** One notification: a JSON array of `{data: ...}` entries. */
  notify(
    url: string,
    secret: string,
    notifications: readonly WebhookNotification[],
  ): Promise<WebhookDelivery> {
    return this.post(
      url,
      secret,
      notifications.map((data) => ({ data })),
    );
  }

  /**
   * The endpoint check Google runs on subscriber create/update: one POST with the
   * secret (must answer 201) and one without it (must answer 401 or 403).
   */
  async verifyEndpoint(
    url: string,
    secret: string,
  ): Promise<{ verified: boolean; withSecret: number; withoutSecret: number }> {
    const withSecret = (await this.post(url, secret, { type: 'verification' })).status;
    const withoutSecret = (await this.post(url, null, { type: 'verification' })).status;
    return {
      verified: withSecret === 201 && (withoutSecret === 401 || withoutSecret === 403),
      withSecret,
      withoutSecret,
    };
  }
}
