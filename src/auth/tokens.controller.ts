import { Controller, Delete, Get, NotFoundException, Param } from '@nestjs/common';
import { pathParam } from '../http/input-fields';
import { ApiOperation, ApiTags, ApiParam } from '@nestjs/swagger';
import {
  ApiAnswer,
  ApiProblems,
  ApiStaffRoutes,
  instant,
  integer,
  list,
  nullable,
  oneOf,
  shape,
  text,
} from '../http/openapi';
import { ANY_STAFF, Roles } from './access.decorators';
import { STAFF_ROLES } from './roles';
import { ApiTokens } from './api-tokens';
import { actorOf, Caller, CurrentCaller } from './caller';

const TOKEN = shape({
  id: integer(),
  name: text('What the token is for'),
  role: oneOf(STAFF_ROLES),
  prefix: text('The first characters, to recognise it; never the token'),
  createdAt: instant(),
  createdBy: text(),
  lastUsedAt: nullable(instant()),
  revokedAt: nullable(instant()),
});

@ApiTags('access')
@ApiStaffRoutes()
@Controller('api/v1')
export class TokensController {
  constructor(private readonly tokens: ApiTokens) {}

  @Get('whoami')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'The caller as Vigil sees it (name and role)' })
  @ApiAnswer(
    shape({
      kind: oneOf(['token', 'user']),
      id: integer(),
      name: text("The token's label, or the person's username"),
      role: oneOf(STAFF_ROLES),
    }),
    'The caller',
  )
  whoami(@CurrentCaller() caller: Caller): Caller {
    return caller;
  }

  @Get('tokens')
  @Roles('admin')
  @ApiOperation({ summary: 'API tokens (never their values)' })
  @ApiAnswer(list(TOKEN), 'Every token, revoked ones too')
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
  @ApiParam({ name: 'id', description: 'Token id', example: 3 })
  @ApiAnswer(shape({ revoked: integer('The revoked token id') }), 'Revoked')
  @ApiProblems(400, 404)
  async revoke(
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<{ revoked: number }> {
    pathParam('id', id, /^\d{1,10}$/, 'a token id: a whole number such as 3');
    const revoked = await this.tokens.revoke(id, actorOf(caller));
    if (!revoked) throw new NotFoundException(`No live token with id ${id}`);
    return { revoked: revoked.id };
  }
}
