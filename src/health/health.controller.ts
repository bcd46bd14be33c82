import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAnswer, anyObject, flag, oneOf, shape } from '../http/openapi';
import type { Response } from 'express';
import { Public } from '../auth/access.decorators';
import { Readiness } from './readiness';

const READINESS = shape({
  status: oneOf(['ok', 'unavailable']),
  checks: {
    type: 'object',
    description: 'Each dependency by name: database, delivery, ...',
    additionalProperties: {
      type: 'object',
      properties: { ok: flag(), detail: anyObject('What the check found') },
      required: ['ok'],
    },
  },
});

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get('live')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'The process is up' })
  @ApiAnswer(shape({ status: oneOf(['ok']) }), 'Up')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Dependencies answer (database, and what later features register)' })
  @ApiAnswer(READINESS, 'Every dependency answers')
  @ApiResponse({
    status: 503,
    description: 'A dependency does not answer (same body)',
    schema: READINESS,
  })
  async ready(@Res({ passthrough: true }) res: Response): Promise<object> {
    const report = await this.readiness.report();
    res.status(report.ok ? 200 : 503);
    return { status: report.ok ? 'ok' : 'unavailable', checks: report.checks };
  }
}
