import {
  applyDecorators,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Throttle, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';

export interface RateLimitSpec {
  /** Requests allowed per client address in each window. */
  limit: number;
  windowSeconds: number;
}

const RATE_LIMIT_KEY = 'vigil:rate-limit';

/**
 * Caps requests per client address on public endpoints (sign-in, sign-out,
 * consent, callbacks, webhooks), counted in the database across processes
 * (ThrottleCounters). Routes without it are not throttled.
 */
export const RateLimit = (limit: number, windowSeconds: number): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(RATE_LIMIT_KEY, { limit, windowSeconds } satisfies RateLimitSpec),
    Throttle({ default: { limit, ttl: windowSeconds * 1000 } }),
  );

/** @nestjs/throttler's guard, only on routes that declare a RateLimit, with Vigil's wording. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !this.reflector.getAllAndOverride<RateLimitSpec | undefined>(RATE_LIMIT_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new HttpException(
      `Too many requests; try again in ${detail.timeToBlockExpire} s`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
