import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { ApiTokens } from './api-tokens';
import { TokensController } from './tokens.controller';

@Module({
  providers: [ApiTokens, { provide: APP_GUARD, useClass: AccessGuard }],
  controllers: [TokensController],
  exports: [ApiTokens],
})
export class AuthModule {}
