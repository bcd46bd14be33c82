import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { PUBLIC_KEY, ROLES_KEY } from './access.decorators';
import { ApiTokens } from './api-tokens';
import type { Caller } from './caller';
import type { StaffRole } from './roles';

/**
 * Global guard: a route is reachable only if it says who may reach it. No
 * declaration means nobody, so a forgotten decorator fails closed.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokens,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const allowed =
      this.reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES_KEY, targets) ?? [];

    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new UnauthorizedException('Send Authorization: Bearer <token>');
    const record = await this.tokens.authenticate(token);
    if (!record) throw new UnauthorizedException('The token is unknown or revoked');
    request.caller = { kind: 'token', id: record.id, name: record.name, role: record.role };

    if (!allowed.includes(record.role)) {
      throw new ForbiddenException(`The ${record.role} role may not use this route`);
    }
    return true;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
