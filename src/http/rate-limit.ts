import {
  CanActivate,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';

export interface RateLimitSpec {
  /** Requests allowed per client address in each window. */
  limit: number;
  windowSeconds: number;
}

const RATE_LIMIT_KEY = 'vigil:rate-limit';

/** Caps requests per client address on public endpoints (sign-in, consent, callbacks, webhooks). */
export const RateLimit = (limit: number, windowSeconds: number): MethodDecorator & ClassDecorator =>
  SetMetadata(RATE_LIMIT_KEY, { limit, windowSeconds } satisfies RateLimitSpec);

/**
 * Fixed-window counters in memory. Per process: with N api processes a client
 * gets up to N times the limit, which still stops guessing and floods.
 */
export class FixedWindowCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Seconds to wait, or 0 when the request may go ahead. */
  hit(key: string, spec: RateLimitSpec, nowMs: number): number {
    const windowMs = spec.windowSeconds * 1000;
    let window = this.windows.get(key);
    if (!window || nowMs - window.start >= windowMs) {
      if (this.windows.size > 50_000) this.sweep(nowMs, windowMs);
      window = { start: nowMs, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return window.count > spec.limit ? Math.ceil((window.start + windowMs - nowMs) / 1000) : 0;
  }

  private sweep(nowMs: number, windowMs: number): void {
    for (const [key, w] of this.windows) if (nowMs - w.start >= windowMs) this.windows.delete(key);
  }
}

@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly counter = new FixedWindowCounter();

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const spec = this.reflector.getAllAndOverride<RateLimitSpec | undefined>(RATE_LIMIT_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!spec) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const key = `${context.getClass().name}.${context.getHandler().name}:${request.ip ?? 'unknown'}`;
    const wait = this.counter.hit(key, spec, Date.now());
    if (wait > 0) {
      context.switchToHttp().getResponse().setHeader('Retry-After', String(wait));
      throw new HttpException(
        `Too many requests; try again in ${wait} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    return true;
  }
}
