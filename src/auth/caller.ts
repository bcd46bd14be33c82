import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { StaffRole } from './roles';

/** Who made the request, as established by the access guard. */
export interface Caller {
  kind: 'token';
  id: number;
  name: string;
  role: StaffRole;
}

/** The audit trail's name for a caller. */
export const actorOf = (caller: Caller): string => `${caller.kind}:${caller.id}`;

export const CurrentCaller = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Caller =>
    ctx.switchToHttp().getRequest<{ caller: Caller }>().caller,
);
