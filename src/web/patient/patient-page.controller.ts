import {
  Controller,
  Get,
  NotFoundException,
  Param,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { StaffPageErrors } from '../page-errors.filter';
import { ApiOperation, ApiTags, ApiExcludeEndpoint } from '@nestjs/swagger';
import {
  ApiAnswer,
  ApiProblems,
  ApiStaffRoutes,
  integer,
  list,
  localDate,
  shape,
} from '../../http/openapi';
import { Type } from 'class-transformer';
import { IsIn, IsOptional } from 'class-validator';
import { dateRangeProblems, IsLocalDate } from '../../http/input-fields';
import type { Response } from 'express';
import type { DailyAggregate } from '../../aggregates/daily-aggregate';
import type { AuthenticatedRequest } from '../../auth/access.guard';
import { ANY_STAFF, Roles } from '../../auth/access.decorators';
import { Environment } from '../../config/environment';
import { InvalidInputException } from '../../http/problem.filter';
import { identityWords, PatientIdentities } from '../../patients/patient-identities';
import { PidParam } from '../../patients/patients.dto';
import { html, type SafeHtml } from '../html';
import { sendStaffPage } from '../staff-responses';
import { patientPageBody, RangeDays, RANGES } from './patient-page.view';
import { PatientTrends } from './patient-trends';

/** The longest range the aggregates API returns at once. */
export const MAX_AGGREGATE_DAYS = 366;

export class PatientPageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsIn(RANGES, { message: `days must be one of ${RANGES.join(', ')}` })
  days?: RangeDays;
}

export class AggregatesQuery {
  @IsLocalDate('from')
  from!: string;

  @IsLocalDate('to')
  to!: string;
}

function checkRange({ from, to }: AggregatesQuery): void {
  const problems = dateRangeProblems(from, to, MAX_AGGREGATE_DAYS);
  if (problems.length > 0) throw new InvalidInputException(problems);
}

/** The patient page: trends with baselines, thresholds and alert episodes; status; alert history. */
@ApiTags('patients')
@ApiStaffRoutes()
@Controller()
export class PatientPageController {
  constructor(
    private readonly trends: PatientTrends,
    private readonly env: Environment,
    private readonly identities: PatientIdentities,
  ) {}

  @Get('patients/:pid')
  @Roles(...ANY_STAFF)
  @UseFilters(StaffPageErrors)
  @ApiExcludeEndpoint()
  async page(
    @Param() { pid }: PidParam,
    @Query() query: PatientPageQuery,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const days = query.days ?? 90;
    const [view, patient] = await Promise.all([
      this.trends.view(pid, days),
      this.identities.one(pid),
    ]);
    const page = (status: number, body: SafeHtml, scripts: string[] = []) =>
      sendStaffPage(req, res, this.env.CLINIC_NAME, {
        status,
        // Vigil keeps no names: OpenEMR's name, birth date and chart number tell staff who this is.
        title: identityWords(patient),
        section: 'patients',
        body,
        scripts,
      });
    if (view === null) {
      page(404, html`<p>Vigil does not monitor patient ${pid}: there is no enrollment.</p>`);
      return;
    }
    page(200, patientPageBody(view, days), ['/assets/chart.umd.js', '/assets/patient-charts.js']);
  }

  @Get('api/v1/patients/:pid/aggregates')
  @Roles(...ANY_STAFF)
  @ApiOperation({
    summary: `A patient's stored daily aggregates from one local date to another (at most ${MAX_AGGREGATE_DAYS} days); days without data are absent`,
  })
  @ApiAnswer(
    shape({
      pid: integer(),
      from: localDate(),
      to: localDate(),
      days: list({
        type: 'object',
        properties: { date: localDate("The patient's local date") },
        required: ['date'],
        additionalProperties: true,
        description:
          'One stored day: its date, each metric column (null when missing, e.g. restingHrProvider, steps, sleepAsleepMinutes) and the sync facts; see docs/aggregates.md',
      }),
    }),
    'The stored days, oldest first',
  )
  @ApiProblems(400, 404)
  async aggregates(
    @Param() { pid }: PidParam,
    @Query() query: AggregatesQuery,
  ): Promise<{ pid: number; from: string; to: string; days: DailyAggregate[] }> {
    checkRange(query);
    if ((await this.trends.enrollment(pid)) === null)
      throw new NotFoundException(`Patient ${pid} is not enrolled`);
    return {
      pid,
      from: query.from,
      to: query.to,
      days: await this.trends.days(pid, query.from, query.to),
    };
  }
}
