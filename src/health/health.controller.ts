import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/access.decorators';
import { Readiness } from './readiness';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get('live')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'The process is up' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Dependencies answer (database, and what later features register)' })
  async ready(@Res({ passthrough: true }) res: Response): Promise<object> {
    const report = await this.readiness.report();
    res.status(report.ok ? 200 : 503);
    return { status: report.ok ? 'ok' : 'unavailable', checks: report.checks };
  }
}
