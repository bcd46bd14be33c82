import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags, ApiParam } from '@nestjs/swagger';
import {
  ApiAnswer,
  ApiProblems,
  ApiStaffRoutes,
  decimal,
  integer,
  localDate,
  nullable,
  oneOf,
  shape,
  text,
} from '../http/openapi';
import { ANY_STAFF, Roles } from '../auth/access.decorators';
import { ruleId } from '../rules/rules.controller';
import { RuleQualityQuery } from './rule-quality.dto';
import { RuleQualityReport, RuleQualityReports } from './rule-quality.service';

const share = (what: string) => nullable(decimal(`${what}, 0-1; null when there is none to count`));
const perMonth = (what: string) => nullable(decimal(`${what}; null without patient-months`));

const QUALITY = shape({
  rule: shape({
    id: text(),
    title: text(),
    version: integer(),
    severity: oneOf(['info', 'warning', 'urgent']),
  }),
  outcomesKeptFrom: nullable(localDate('The earliest outcome kept (OUTCOME_RETENTION_DAYS)')),
  from: localDate(),
  to: localDate(),
  acknowledgeWithinHours: integer("The rule's expected time to acknowledge"),
  patients: integer('Patients the rule could judge in the period'),
  patientMonths: decimal(),
  alertDays: integer(),
  alertDaysPerPatientMonth: perMonth('Alert days per patient-month'),
  conditionDays: integer(),
  conditionDaysPerPatientMonth: perMonth('Condition days per patient-month'),
  alertsTold: integer('Alerts fired in the period that reached staff'),
  alertsDue: integer('Told alerts acknowledged, or whose time to acknowledge has passed'),
  acknowledgedInTime: integer(),
  shareAcknowledgedInTime: share('Of alertsDue'),
  medianHoursToAcknowledge: nullable(decimal()),
  resolvedWithoutStaffAction: integer(),
  shareResolvedWithoutStaffAction: share('Of alertsTold'),
  wentStale: integer(),
  shareWentStale: share('Of alertsTold'),
});

@ApiTags('rules')
@ApiStaffRoutes()
@Controller('api/v1/rules')
export class RuleQualityController {
  constructor(private readonly reports: RuleQualityReports) {}

  @Get(':id/quality')
  @Roles(...ANY_STAFF)
  @ApiOperation({
    summary:
      "How a rule behaved over a period, from Vigil's own alert history: alert and condition days per patient-month, time to acknowledge, alerts resolved without staff action, stale alerts",
  })
  @ApiParam({ name: 'id', description: 'Rule id', example: 'resting-hr-rise' })
  @ApiAnswer(QUALITY, 'The report (docs/rules.md, Rule quality)')
  @ApiProblems(400, 404)
  quality(@Param('id') id: string, @Query() query: RuleQualityQuery): Promise<RuleQualityReport> {
    const { from, to } = this.reports.period(query.from, query.to);
    return this.reports.report(ruleId(id), from, to);
  }
}
