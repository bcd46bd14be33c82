/** Small node:http helpers: bodies, JSON answers, Google's error envelope. */
import { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY_BYTES = 1_000_000;

export class BodyTooLargeError extends Error {}

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** A body already serialised to JSON (UTF-8). */
export class JsonBytes {
  constructor(readonly bytes: Buffer) {}
}

/** Sends the answer; returns its size in bytes. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): number {
  const text = body instanceof JsonBytes ? body.bytes : JSON.stringify(body);
  const bytes = Buffer.byteLength(text);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': bytes,
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(text);
  return bytes;
}

export function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=UTF-8',
    'Content-Length': Buffer.byteLength(html),
  });
  response.end(html);
}

export function redirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { Location: location, 'Content-Length': 0 });
  response.end();
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export type GoogleStatus =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL'
  | 'UNAVAILABLE';

/** Google's JSON error envelope with an ErrorInfo detail. */
export function googleError(
  code: number,
  status: GoogleStatus,
  message: string,
  reason?: string,
): unknown {
  return {
    error: {
      code,
      message,
      status,
      ...(reason
        ? {
            details: [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason,
                domain: 'googleapis.com',
                metadata: { service: 'health.googleapis.com' },
              },
            ],
          }
        : {}),
    },
  };
}

export function sendGoogleError(
  response: ServerResponse,
  code: number,
  status: GoogleStatus,
  message: string,
  reason?: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, code, googleError(code, status, message, reason), headers);
}
