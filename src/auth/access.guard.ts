import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { sameSecret } from '../crypto/tokens';
import { readCookie } from '../http/cookies';
import { PUBLIC_KEY, ROLES_KEY } from './access.decorators';
import { ApiTokens } from './api-tokens';
import type { Caller } from './caller';
import type { StaffRole } from './roles';
import { csrfTokenFor, LiveSession, SESSION_COOKIE, StaffSessions } from './staff-sessions';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const HOW_TO_GET_A_TOKEN =
  'an admin creates API tokens with "npm run cli -- token:create" (docs/staff-access.md); people sign in at /login instead';

/**
 * A scheme other than Bearer (Basic with a user name and password, most often):
 * say what the API takes. The answer never depends on the credentials sent, so
 * it tells nobody whether a user exists.
 */
function notBearer(scheme: string): string {
  const named = /^[A-Za-z][A-Za-z0-9-]{0,19}$/.test(scheme)
    ? `"${scheme}" credentials`
    : 'these credentials';
  return (
    `Vigil's API does not take ${named} (a user name and password included): ` +
    `send an API token as "Authorization: Bearer <token>"; ${HOW_TO_GET_A_TOKEN}`
  );
}

const BEARER_SHAPE = `The Authorization header must be "Bearer <token>": one token after Bearer, with no spaces in it; ${HOW_TO_GET_A_TOKEN}`;

export const UNKNOWN_TOKEN =
  'The token is unknown or revoked: check it was copied whole (it begins vgl_), or ask an admin for a new one';

export type AuthenticatedRequest = Request & {
  caller?: Caller;
  staffSession?: LiveSession & { csrfToken: string };
};

/**
 * Global guard: a route is reachable only if it says who may reach it. No
 * declaration means nobody, so a forgotten decorator fails closed. Machines
 * send a bearer token; people carry a session cookie, and every state-changing
 * request from a session must also carry its CSRF token.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokens,
    private readonly sessions: StaffSessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) {
      await this.attachSession(request);
      return true;
    }
    const allowed =
      this.reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES_KEY, targets) ?? [];
    const caller = (await this.tokenCaller(request)) ?? (await this.sessionCaller(request));
    if (!caller) throw new UnauthorizedException('Sign in, or send Authorization: Bearer <token>');
    request.caller = caller;
    if (!allowed.includes(caller.role))
      throw new ForbiddenException(`The ${caller.role} role may not use this route`);
    return true;
  }

  private async tokenCaller(request: AuthenticatedRequest): Promise<Caller | undefined> {
    const header = request.headers.authorization;
    if (header === undefined) return undefined;
    const [scheme = '', ...rest] = header.trim().split(/\s+/);
    if (scheme.toLowerCase() !== 'bearer') throw new UnauthorizedException(notBearer(scheme));
    if (rest.length !== 1) throw new UnauthorizedException(BEARER_SHAPE);
    // The same answer for every token that lets nobody in: a guess learns nothing.
    const record = await this.tokens.authenticate(rest[0]);
    if (!record) throw new UnauthorizedException(UNKNOWN_TOKEN);
    return { kind: 'token', id: record.id, name: record.name, role: record.role };
  }

  private async sessionCaller(request: AuthenticatedRequest): Promise<Caller | undefined> {
    const live = await this.attachSession(request);
    if (!live) return undefined;
    if (!SAFE_METHODS.has(request.method)) {
      const sent = String(
        request.headers['x-csrf-token'] ??
          (request.body as { _csrf?: unknown } | undefined)?._csrf ??
          '',
      );
      if (!sameSecret(sent, live.csrfToken))
        throw new ForbiddenException('The form is out of date; reload the page and try again');
    }
    return { kind: 'user', id: live.user.id, name: live.user.username, role: live.user.role };
  }

  /** Public pages (such as the sign-in page) still want to know who is signed in. */
  private async attachSession(
    request: AuthenticatedRequest,
  ): Promise<AuthenticatedRequest['staffSession']> {
    const secret = readCookie(request.headers.cookie, SESSION_COOKIE);
    const live = secret ? await this.sessions.resolve(secret) : null;
    if (live && secret) request.staffSession = { ...live, csrfToken: csrfTokenFor(secret) };
    return request.staffSession;
  }
}
