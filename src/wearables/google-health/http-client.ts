import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

/**
 * The reader's HTTP exchanges with Google, on `node:http(s)` with kept-alive
 * connections. Node's global `fetch` (undici, with web streams and an
 * AbortSignal per request) cost a worker several milliseconds of CPU per
 * sync more for the same pages; this client does what the reader used of it:
 * one request, its whole answer as bytes, a deadline over both, gzip as
 * `fetch` negotiates it.
 */

export interface HttpRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** The whole exchange, answer included. */
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  /** A header's value (lower-case name), or null. */
  header(name: string): string | null;
  /** The answer's bytes, decompressed; null when they did not all arrive in time. */
  body: Buffer | null;
}

/** Sends one request; resolves null when no answer came (timeout, refused, reset). */
export type HttpSend = (url: URL, request: HttpRequest) => Promise<HttpAnswer | null>;

/** Idle connections are closed after this, before servers usually close them. */
const IDLE_SOCKET_MS = 4_000;

const agents = {
  http: new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  https: new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
};

export const sendHttp: HttpSend = (url, request) =>
  new Promise((resolve) => {
    const secure = url.protocol === 'https:';
    const headers: Record<string, string | number> = {
      ...request.headers,
      'accept-encoding': 'gzip',
    };
    if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
    let settled = false;
    const finish = (answer: HttpAnswer | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(answer);
    };
    const outgoing = (secure ? https : http).request(
      url,
      { method: request.method, headers, agent: secure ? agents.https : agents.http },
      (response) => {
        const status = response.statusCode ?? 0;
        const header = (name: string): string | null => {
          const value = response.headers[name];
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
        };
        const chunks: Buffer[] = [];
        let ended = false;
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        // Closed before its end (reset, aborted): the answer did not all arrive.
        response.on('error', () => finish({ status, header, body: null }));
        response.on('close', () => {
          if (!ended) finish({ status, header, body: null });
        });
        response.on('end', () => {
          ended = true;
          const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
          const encoding = (header('content-encoding') ?? '').trim().toLowerCase();
          if (encoding === '' || encoding === 'identity') {
            finish({ status, header, body: bytes });
            return;
          }
          const inflate =
            encoding === 'gzip' || encoding === 'x-gzip'
              ? zlib.gunzip
              : encoding === 'deflate'
                ? zlib.inflate
                : encoding === 'br'
                  ? zlib.brotliDecompress
                  : null;
          // An encoding not asked for cannot be read: as if the body had not arrived.
          if (inflate === null) finish({ status, header, body: null });
          else
            inflate(bytes, (error, plain) =>
              finish({ status, header, body: error ? null : plain }),
            );
        });
      },
    );
    const deadline = setTimeout(() => {
      outgoing.destroy();
      finish(null);
    }, request.timeoutMs);
    outgoing.on('error', () => finish(null));
    outgoing.end(request.body);
  });

/** A `fetch` (tests inject one) as an {@link HttpSend}. */
export function sendingWith(fetchFn: typeof fetch): HttpSend {
  return async (url, request) => {
    let response: Response;
    try {
      response = await fetchFn(url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: AbortSignal.timeout(request.timeoutMs),
      });
    } catch {
      return null;
    }
    const body = await response
      .arrayBuffer()
      .then((bytes) => Buffer.from(bytes))
      .catch(() => null);
    return { status: response.status, header: (name) => response.headers.get(name), body };
  };
}
