import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_STAFF, Roles } from '../auth/access.decorators';
import { ruleId } from '../rules/rules.controller';
import { RuleQualityQuery } from './rule-quality.dto';
import { RuleQualityReport, RuleQualityReports } from './rule-quality.service';

@ApiTags('rules')
@ApiBearerAuth()
@Controller('api/v1/rules')
export class RuleQualityController {
  constructor(private readonly reports: RuleQualityReports) {}

  @Get(':id/quality')
  @Roles(...ANY_STAFF)
  @ApiOperation({
    summary:
      "How a rule behaved over a period, from Vigil's own alert history: alert and condition days per patient-month, time to acknowledge, alerts resolved without staff action, stale alerts",
  })
  quality(@Param('id') id: string, @Query() query: RuleQualityQuery): Promise<RuleQualityReport> {
    const { from, to } = this.reports.period(query.from, query.to);
    return this.reports.report(ruleId(id), from, to);
  }
}
