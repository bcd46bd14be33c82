import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottleCounters } from './throttle-counters.repository';

/** The database counters alone, for features that count without the guard (the webhook's replays). */
@Module({ providers: [ThrottleCounters], exports: [ThrottleCounters] })
export class ThrottleCountersModule {}

/**
 * @nestjs/throttler with its counters in the database. The default throttler
 * only applies where a route declares RateLimit (RateLimitGuard skips the rest).
 */
@Module({
  imports: [
    ThrottleCountersModule,
    ThrottlerModule.forRootAsync({
      imports: [ThrottleCountersModule],
      inject: [ThrottleCounters],
      useFactory: (storage: ThrottleCounters) => ({
        throttlers: [{ name: 'default', limit: 60, ttl: 60_000 }],
        storage,
      }),
    }),
  ],
  exports: [ThrottleCountersModule, ThrottlerModule],
})
export class ThrottlingModule {}
