import { createPublicKey, verify } from 'node:crypto';
import { createServer, IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import { Simulator, startSimulator } from './server';
import { ECDSA_PUBLIC_KEY_TYPE_URL, SIGNATURE_HEADER, TinkPublicKeyset } from './webhooks';

/** Reads fields 3 (x) and 4 (y) of a serialized Tink EcdsaPublicKey proto. */
function decodeEcdsaPublicKey(value: Buffer): { x: Buffer; y: Buffer } {
  const fields = new Map<number, Buffer>();
  let offset = 0;
  while (offset < value.length) {
    const tag = value[offset++];
    const field = tag >> 3;
    if ((tag & 7) === 0) {
      offset += 1;
      continue;
    }
    const length = value[offset++];
    fields.set(field, value.subarray(offset, offset + length));
    offset += length;
  }
  const strip = (bytes: Buffer): Buffer =>
    bytes.length > 32 ? bytes.subarray(bytes.length - 32) : bytes;
  return { x: strip(fields.get(3) as Buffer), y: strip(fields.get(4) as Buffer) };
}

/** What a verifier in Vigil does: key id from the Tink prefix, DER signature over the raw body. */
function verifySignature(keyset: TinkPublicKeyset, body: Buffer, header: string): boolean {
  const signature = Buffer.from(header, 'base64');
  if (signature[0] !== 0x01) return false;
  const keyId = signature.readUInt32BE(1);
  const key = keyset.key.find(
    (k) => k.keyId === keyId && k.keyData.typeUrl === ECDSA_PUBLIC_KEY_TYPE_URL,
  );
  if (!key) return false;
  const { x, y } = decodeEcdsaPublicKey(Buffer.from(key.keyData.value, 'base64'));
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: x.toString('base64url'), y: y.toString('base64url') },
    format: 'jwk',
  });
  return verify('sha256', body, { key: publicKey, dsaEncoding: 'der' }, signature.subarray(5));
}

interface Received {
  headers: IncomingMessage['headers'];
  body: Buffer;
}

describe('webhook notifications', () => {
  let sim: Simulator;
  const received: Received[] = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      const isVerification = Buffer.concat(chunks).toString().includes('"verification"');
      const authorized = request.headers.authorization === 'Bearer hook-secret';
      response.statusCode = !authorized ? 401 : isVerification ? 201 : 204;
      response.end();
    });
  });
  let hookUrl = '';

  beforeAll(async () => {
    sim = await startSimulator({ now: '2026-11-28T15:00:00Z', cohortSize: 3 });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/google-health`;
  });
  afterAll(async () => {
    await sim.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });
  beforeEach(() => {
    received.length = 0;
  });

  it('serves a Tink JSON public keyset', async () => {
    const keyset = (await (
      await fetch(`${sim.url}/__sim/webhook-keyset`)
    ).json()) as TinkPublicKeyset;
    expect(keyset.key[0]).toMatchObject({
      keyId: keyset.primaryKeyId,
      status: 'ENABLED',
      outputPrefixType: 'TINK',
      keyData: { typeUrl: ECDSA_PUBLIC_KEY_TYPE_URL, keyMaterialType: 'ASYMMETRIC_PUBLIC' },
    });
  });

  it('sends a signed notification that verifies against the keyset, and fails when tampered', async () => {
    const delivery = await sim.notify(hookUrl, 'Bearer hook-secret', {
      userId: 'sim-2',
      dataType: 'sleep',
      operation: 'UPSERT',
      intervals: [{ startTime: '2026-11-27T22:00:00Z', endTime: '2026-11-28T06:00:00Z' }],
      clientProvidedSubscriptionName: 'vigil',
    });
    expect(delivery.status).toBe(204);
    const [message] = received;
    expect(message.headers.authorization).toBe('Bearer hook-secret');
    expect(JSON.parse(message.body.toString())).toEqual([
      {
        data: {
          healthUserId: sim.cohort.user('sim-2')?.healthUserId,
          dataType: 'sleep',
          operation: 'UPSERT',
          intervals: [{ startTime: '2026-11-27T22:00:00Z', endTime: '2026-11-28T06:00:00Z' }],
          clientProvidedSubscriptionName: 'vigil',
        },
      },
    ]);
    const header = message.headers[SIGNATURE_HEADER.toLowerCase()] as string;
    const keyset = sim.webhooks.keyset();
    expect(verifySignature(keyset, message.body, header)).toBe(true);
    expect(
      verifySignature(
        keyset,
        Buffer.from(message.body.toString().replace('sleep', 'steps')),
        header,
      ),
    ).toBe(false);
  });

  it('signs with the new primary key after rotation; old keys stay until retired', async () => {
    const before = sim.webhooks.keyset();
    const newKeyId = sim.webhooks.rotate();
    await sim.notify(hookUrl, 'Bearer hook-secret', {
      userId: 'sim-1',
      dataType: 'steps',
      operation: 'UPSERT',
      intervals: [],
    });
    const header = received[0].headers[SIGNATURE_HEADER.toLowerCase()] as string;
    expect(Buffer.from(header, 'base64').readUInt32BE(1)).toBe(newKeyId);
    expect(verifySignature(before, received[0].body, header)).toBe(false);
    expect(verifySignature(sim.webhooks.keyset(), received[0].body, header)).toBe(true);
    sim.webhooks.retireOldKeys();
    expect(sim.webhooks.keyset().key).toHaveLength(1);
  });

  it('runs the verification handshake: 201 with the secret, 401 without', async () => {
    expect(await sim.webhooks.verifyEndpoint(hookUrl, 'Bearer hook-secret')).toEqual({
      verified: true,
      withSecret: 201,
      withoutSecret: 401,
    });
    expect(received.map((r) => JSON.parse(r.body.toString()) as unknown)).toEqual([
      { type: 'verification' },
      { type: 'verification' },
    ]);
    expect((await sim.webhooks.verifyEndpoint(hookUrl, 'Bearer wrong')).verified).toBe(false);
  });

  it('is available over HTTP for the demo', async () => {
    const response = await fetch(`${sim.url}/__sim/webhooks/notify`, {
      method: 'POST',
      body: JSON.stringify({
        url: hookUrl,
        secret: 'Bearer hook-secret',
        userId: 'sim-3',
        dataType: 'weight',
      }),
    });
    expect(await response.json()).toMatchObject({ status: 204 });
    expect(received).toHaveLength(1);
  });
});
