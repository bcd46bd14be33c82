import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard } from '../http/rate-limit';
import { ThrottlingModule } from '../http/throttling.module';
import { AccessGuard } from './access.guard';
import { ApiTokenRepository } from './api-token.repository';
import { ApiTokens } from './api-tokens';
import { SignInController } from './sign-in.controller';
import { StaffSessionRepository } from './staff-session.repository';
import { StaffSessions } from './staff-sessions';
import { StaffUserRepository } from './staff-user.repository';
import { TokensController } from './tokens.controller';

@Module({
  imports: [ThrottlingModule],
  providers: [
    ApiTokenRepository,
    StaffUserRepository,
    StaffSessionRepository,
    ApiTokens,
    StaffSessions,
    // Order matters: throttle before the (database-backed) access check.
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  controllers: [TokensController, SignInController],
  exports: [ApiTokens, StaffSessions, StaffUserRepository],
})
export class AuthModule {}
