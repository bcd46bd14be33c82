import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { StaffRole } from './roles';

/** Who made the request, as established by the access guard: a machine token or a signed-in person. */
export interface Caller {
  kind: 'token' | 'user';
  id: number;
  /** The token's label, or the person's username. */
  name: string;
  role: StaffRole;
}

/** The audit trail's name for a caller. */
export const actorOf = (caller: Caller): string =>
  caller.kind === 'user' ? `user:${caller.name}` : `token:${caller.id}`;

export const CurrentCaller = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Caller =>
    ctx.switchToHttp().getRequest<{ caller: Caller }>().caller,
);
