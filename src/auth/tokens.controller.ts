import { Controller, Delete, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_STAFF, Roles } from './access.decorators';
import { ApiTokens } from './api-tokens';
import { actorOf, Caller, CurrentCaller } from './caller';

@ApiTags('access')
@ApiBearerAuth()
@Controller('api/v1')
export class TokensController {
  constructor(private readonly tokens: ApiTokens) {}

  @Get('whoami')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'The caller as Vigil sees it (name and role)' })
  whoami(@CurrentCaller() caller: Caller): Caller {
    return caller;
  }

  @Get('tokens')
  @Roles('admin')
  @ApiOperation({ summary: 'API tokens (never their values)' })
  async list(): Promise<object[]> {
    return (await this.tokens.list()).map((t) => ({
      id: t.id,
      name: t.name,
      role: t.role,
      prefix: t.tokenPrefix,
      createdAt: t.createdAt,
      createdBy: t.createdBy,
      lastUsedAt: t.lastUsedAt,
      revokedAt: t.revokedAt,
    }));
  }

  @Delete('tokens/:id')
  @Roles('admin')
  @ApiOperation({ summary: 'Revoke an API token' })
  async revoke(
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<{ revoked: number }> {
    if (!/^\d{1,10}$/.test(id)) throw new NotFoundException(`No live token with id ${id}`);
    const revoked = await this.tokens.revoke(id, actorOf(caller));
    if (!revoked) throw new NotFoundException(`No live token with id ${id}`);
    return { revoked: revoked.id };
  }
}
