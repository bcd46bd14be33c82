import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for OpenEMR's OAuth2 / OpenID Connect server, on loopback,
 * for sign-in tests. It follows OpenEMR's shapes (issuer
 * `<site>/oauth2/default`, discovery, `/authorize`, `/token` with
 * client_secret_post, `/jwk`, RS256 id_tokens whose `sub` is the user uuid and
 * whose `preferred_username` comes with the `profile` scope, `nonce` echoed)
 * and checks what a real server checks: client, redirect URI, PKCE S256 and
 * single-use codes. It is not OpenEMR: no login form, no consent screen.
 */
export interface StubUser {
  /** The OpenEMR user's uuid. */
  sub: string;
  username: string;
}

export interface StubClient {
  clientId: string;
  /** Unset: a public client (PKCE only). */
  clientSecret?: string;
  redirectUri: string;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
  scopes: string[];
  user: StubUser;
  expiresAt: number;
  used: boolean;
}

interface PendingApproval {
  params: URLSearchParams;
  user: StubUser;
}

export interface TokenRequestRecord {
  status: number;
  error?: string;
}

const b64url = (buffer: Buffer): string => buffer.toString('base64url');

export class OpenEmrOAuthStub {
  /** Who is signed in to OpenEMR in the browser that reaches the authorize page. */
  signedInAs = 'drsmith';
  /** true: `/authorize` redirects straight back; false: it shows an approval page with a button. */
  autoApprove = true;
  /** Changes to the next id_token only (claims to override; or a key that is not in the JWKS). */
  nextIdToken?: { claims?: Record<string, unknown>; foreignKey?: boolean };
  readonly tokenRequests: TokenRequestRecord[] = [];

  private readonly users = new Map<string, StubUser>();
  private readonly codes = new Map<string, IssuedCode>();
  private readonly approvals = new Map<string, PendingApproval>();
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private server?: Server;
  private port = 0;

  constructor(
    readonly client: StubClient,
    users: StubUser[],
  ) {
    for (const user of users) this.users.set(user.username, user);
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.port}/oauth2/default`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => this.send(res, 500, { error: 'server_error' }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /**
   * Follows an authorize URL as a browser would with auto-approval, and
   * returns where OpenEMR sends the browser back (the callback URL with code and state).
   */
  async authorize(authorizeUrl: string): Promise<string> {
    const res = await fetch(authorizeUrl, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location)
      throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
    return location;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    const path = url.pathname.replace(/^\/oauth2\/default/, '');
    if (req.method === 'GET' && path === '/.well-known/openid-configuration')
      return this.send(res, 200, this.discovery());
    if (req.method === 'GET' && path === '/jwk') return this.send(res, 200, this.jwks());
    if (req.method === 'GET' && path === '/authorize') return this.authorizePage(url, res);
    if (req.method === 'POST' && path === '/authorize/approve') {
      const form = new URLSearchParams(await body(req));
      const pending = this.approvals.get(form.get('request') ?? '');
      if (!pending) return this.send(res, 400, { error: 'invalid_request' });
      this.approvals.delete(form.get('request') ?? '');
      return this.redirectWithCode(res, pending.params, pending.user);
    }
    if (req.method === 'POST' && path === '/token') return this.token(await body(req), res);
    this.send(res, 404, { error: 'not_found' });
  }

  private discovery(): Record<string, unknown> {
    const base = this.issuer;
    return {
      issuer: base,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      jwks_uri: `${base}/jwk`,
      userinfo_endpoint: `${base}/userinfo`,
      scopes_supported: ['openid', 'profile', 'email', 'api:oemr', 'api:fhir'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256', 'plain'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post'],
    };
  }

  private jwks(): Record<string, unknown> {
    return {
      keys: [
        {
          ...this.key.publicKey.export({ format: 'jwk' }),
          kid: 'stub-1',
          alg: 'RS256',
          use: 'sig',
        },
      ],
    };
  }

  private authorizePage(url: URL, res: ServerResponse): void {
    const p = url.searchParams;
    const problem =
      p.get('response_type') !== 'code'
        ? 'response_type must be code'
        : p.get('client_id') !== this.client.clientId
          ? 'unknown client_id'
          : p.get('redirect_uri') !== this.client.redirectUri
            ? 'redirect_uri is not registered'
            : !(p.get('scope') ?? '').split(' ').includes('openid')
              ? 'scope must include openid'
              : p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge')
                ? 'PKCE S256 is required'
                : !p.get('state')
                  ? 'state is required'
                  : null;
    if (problem)
      return this.send(res, 400, { error: 'invalid_request', error_description: problem });
    const user = this.users.get(this.signedInAs);
    if (!user) return this.send(res, 400, { error: 'access_denied' });
    if (this.autoApprove) return this.redirectWithCode(res, p, user);
    const id = b64url(randomBytes(16));
    this.approvals.set(id, { params: p, user });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>OpenEMR (test stub)</title></head><body>
<h1>OpenEMR authorization (test stub)</h1>
<p>Signed in to OpenEMR as <strong>${user.username}</strong>. Allow Vigil to sign you in?</p>
<form method="post" action="/oauth2/default/authorize/approve">
<input type="hidden" name="request" value="${id}"><button type="submit">Authorize</button>
</form></body></html>`);
  }

  private redirectWithCode(res: ServerResponse, p: URLSearchParams, user: StubUser): void {
    const code = b64url(randomBytes(24));
    this.codes.set(code, {
      clientId: p.get('client_id') ?? '',
      redirectUri: p.get('redirect_uri') ?? '',
      challenge: p.get('code_challenge') ?? '',
      nonce: p.get('nonce') ?? undefined,
      scopes: (p.get('scope') ?? '').split(' '),
      user,
      expiresAt: Date.now() + 60_000,
      used: false,
    });
    const back = new URL(p.get('redirect_uri') ?? '');
    back.searchParams.set('code', code);
    back.searchParams.set('state', p.get('state') ?? '');
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  private token(text: string, res: ServerResponse): void {
    const form = new URLSearchParams(text);
    const refuse = (status: number, error: string, description: string): void => {
      this.tokenRequests.push({ status, error });
      this.send(res, status, { error, error_description: description });
    };
    if (form.get('grant_type') !== 'authorization_code')
      return refuse(400, 'unsupported_grant_type', 'authorization_code only');
    if (form.get('client_id') !== this.client.clientId)
      return refuse(401, 'invalid_client', 'unknown client');
    if (
      this.client.clientSecret !== undefined &&
      form.get('client_secret') !== this.client.clientSecret
    )
      return refuse(401, 'invalid_client', 'client authentication failed');
    const code = this.codes.get(form.get('code') ?? '');
    if (!code || code.used || code.expiresAt < Date.now())
      return refuse(400, 'invalid_grant', 'unknown, used or expired code');
    code.used = true;
    if (code.clientId !== this.client.clientId || form.get('redirect_uri') !== code.redirectUri)
      return refuse(400, 'invalid_grant', 'redirect_uri mismatch');
    const verifier = form.get('code_verifier') ?? '';
    if (b64url(createHash('sha256').update(verifier).digest()) !== code.challenge)
      return refuse(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      aud: this.client.clientId,
      sub: code.user.sub,
      iat: now,
      exp: now + 3600,
      ...(code.nonce ? { nonce: code.nonce } : {}),
      ...(code.scopes.includes('profile') ? { preferred_username: code.user.username } : {}),
      ...this.nextIdToken?.claims,
    };
    const signer = this.nextIdToken?.foreignKey ? this.foreign.privateKey : this.key.privateKey;
    this.nextIdToken = undefined;
    this.tokenRequests.push({ status: 200 });
    this.send(res, 200, {
      token_type: 'Bearer',
      expires_in: 3600,
      access_token: b64url(randomBytes(32)),
      id_token: signJwt(claims, signer),
      scope: code.scopes.join(' '),
    });
  }

  private send(res: ServerResponse, status: number, json: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(json));
  }
}

function signJwt(claims: Record<string, unknown>, key: KeyObject): string {
  const head = b64url(Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'stub-1' })));
  const payload = b64url(Buffer.from(JSON.stringify(claims)));
  return `${head}.${payload}.${b64url(sign('sha256', Buffer.from(`${head}.${payload}`), key))}`;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
