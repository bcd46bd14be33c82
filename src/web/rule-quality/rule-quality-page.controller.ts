import { Controller, Get, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthenticatedRequest } from '../../auth/access.guard';
import { ANY_STAFF, Roles } from '../../auth/access.decorators';
import { Environment } from '../../config/environment';
import { RuleQualityQuery } from '../../rule-quality/rule-quality.dto';
import { RuleQualityReports } from '../../rule-quality/rule-quality.service';
import { ruleId } from '../../rules/rules.controller';
import { StaffPageErrors } from '../page-errors.filter';
import { sendStaffPage } from '../staff-responses';
import { ruleQualityBody } from './rule-quality.view';

/** The rule-quality page: the API's report in words, over a period the viewer picks. */
@ApiExcludeController()
@UseFilters(StaffPageErrors)
@Controller('rules')
export class RuleQualityPageController {
  constructor(
    private readonly reports: RuleQualityReports,
    private readonly env: Environment,
  ) {}

  @Get(':id/quality')
  @Roles(...ANY_STAFF)
  async page(
    @Param('id') id: string,
    @Query() query: RuleQualityQuery,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const { from, to } = this.reports.period(query.from, query.to);
    const report = await this.reports.report(ruleId(id), from, to);
    sendStaffPage(req, res, this.env.CLINIC_NAME, {
      status: 200,
      title: `Rule quality: ${report.rule.title}`,
      section: 'rules',
      body: ruleQualityBody(report),
    });
  }
}
