import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { sendHttp } from './http-client';

let server: Server;
let base: string;
let handle: (request: IncomingMessage, response: ServerResponse, body: string) => void;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => handle(request, response, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = { method: 'GET' as const, headers: { accept: 'application/json' }, timeoutMs: 10_000 };

describe('sendHttp', () => {
  it('sends the method, headers and body, and answers status, headers and bytes', async () => {
    handle = (request, response, body) => {
      response.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ method: request.method, auth: request.headers.authorization, body }),
      );
    };
    const answer = await sendHttp(new URL('x', base), {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"a":"é"}',
      timeoutMs: 10_000,
    });
    expect(answer?.status).toBe(429);
    expect(answer?.header('retry-after')).toBe('7');
    expect(answer?.header('x-missing')).toBeNull();
    expect(JSON.parse(answer!.body!.toString())).toEqual({
      method: 'POST',
      auth: 'Bearer t',
      body: '{"a":"é"}',
    });
  });

  it('asks for gzip and gives the answer decompressed', async () => {
    handle = (request, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip' });
      response.end(gzipSync(`{"asked":"${request.headers['accept-encoding']}"}`));
    };
    const answer = await sendHttp(new URL('x', base), get);
    expect(answer?.body?.toString()).toBe('{"asked":"gzip"}');
  });

  it('keeps the connection for the next request', () => {
    // In a process of its own: an HTTP interceptor another spec loaded (nock) stays in this one.
    const script = `
      const { createServer } = require('node:http');
      const { sendHttp } = require('./src/wearables/google-health/http-client');
      const sockets = new Set();
      const server = createServer((q, r) => { sockets.add(q.socket.remotePort); r.end('{}'); });
      server.listen(0, '127.0.0.1', async () => {
        const url = new URL('http://127.0.0.1:' + server.address().port + '/');
        for (let i = 0; i < 3; i++) await sendHttp(url, { method: 'GET', headers: {}, timeoutMs: 10000 });
        process.stdout.write(String(sockets.size));
        server.closeAllConnections();
        server.close();
      });`;
    const out = execFileSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', script],
      { cwd: join(__dirname, '../../..'), encoding: 'utf8' },
    );
    expect(out).toBe('1');
  });

  it('gives no answer when none arrives in time, and no body when it stops half way', async () => {
    handle = () => undefined;
    expect(await sendHttp(new URL('x', base), { ...get, timeoutMs: 100 })).toBeNull();
    handle = (_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('{"cut":');
    };
    const late = await sendHttp(new URL('x', base), { ...get, timeoutMs: 200 });
    expect(late === null || late.body === null).toBe(true);
    handle = (request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('{"cut":', () => request.socket.destroy());
    };
    const reset = await sendHttp(new URL('x', base), get);
    expect(reset?.status).toBe(200);
    expect(reset?.body).toBeNull();
  });

  it('gives no answer when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await sendHttp(new URL(`http://127.0.0.1:${port}/`), get)).toBeNull();
  });
});
