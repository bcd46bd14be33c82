import { Injectable } from '@nestjs/common';
import { Environment } from '../../config/environment';
import { AuthorizationServer, checkDiscovery, discoveryUrl, jwksKeys } from './discovery';

/** OpenEMR is unreachable or answered something Vigil cannot trust; the message is for the log. */
export class AuthorizationServerProblem extends Error {
  override name = 'AuthorizationServerProblem';
}

const CACHE_MS = 60 * 60_000;
/** A token signed with an unknown key may mean rotation; refetching more often than this would let anyone make Vigil hammer OpenEMR. */
const KEY_REFETCH_MS = 60_000;
const TIMEOUT_MS = 10_000;

interface Cached<T> {
  value: T;
  fetchedAt: number;
}

/**
 * OpenEMR's authorization server as its discovery document describes it, and
 * its signing keys. Both are cached: sign-in should not cost two extra round
 * trips, and a failed fetch is retried on the next sign-in.
 */
@Injectable()
export class OpenEmrAuthorizationServer {
  private discovered?: Cached<AuthorizationServer>;
  private jwks?: Cached<Record<string, unknown>[]>;

  constructor(private readonly env: Environment) {}

  async describe(now = Date.now()): Promise<AuthorizationServer> {
    if (this.discovered && now - this.discovered.fetchedAt < CACHE_MS) return this.discovered.value;
    const issuer = this.env.OPENEMR_OAUTH_ISSUER;
    if (!issuer) throw new AuthorizationServerProblem('OPENEMR_OAUTH_ISSUER is not set');
    const check = checkDiscovery(await this.getJson(discoveryUrl(issuer)), issuer);
    if (!check.ok) throw new AuthorizationServerProblem(`OpenEMR discovery: ${check.problem}`);
    this.discovered = { value: check.server, fetchedAt: now };
    return check.server;
  }

  /** The signing keys; `refresh` asks again (after a token named a key not yet seen), at most once a minute. */
  async signingKeys(refresh = false, now = Date.now()): Promise<Record<string, unknown>[]> {
    const age = this.jwks ? now - this.jwks.fetchedAt : Infinity;
    if (this.jwks && age < CACHE_MS && !(refresh && age >= KEY_REFETCH_MS)) return this.jwks.value;
    const server = await this.describe(now);
    const keys = jwksKeys(await this.getJson(server.jwksUri));
    if (!keys) throw new AuthorizationServerProblem('OpenEMR JWKS: not a key set');
    this.jwks = { value: keys, fetchedAt: now };
    return keys;
  }

  private async getJson(url: string): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new AuthorizationServerProblem(
        `${url} unreachable: ${error instanceof Error ? error.name : 'error'}`,
      );
    }
    if (!res.ok) throw new AuthorizationServerProblem(`${url} answered ${res.status}`);
    try {
      return await res.json();
    } catch {
      throw new AuthorizationServerProblem(`${url} did not answer JSON`);
    }
  }
}
