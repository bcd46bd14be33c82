import { Controller, Get, Inject, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Response } from 'express';
import type { DailyAggregate } from '../../aggregates/daily-aggregate';
import { daysBetween } from '../../time';
import type { AuthenticatedRequest } from '../../auth/access.guard';
import { ANY_STAFF, Roles } from '../../auth/access.decorators';
import { Environment } from '../../config/environment';
import { InvalidInputException } from '../../http/problem.filter';
import {
  chartNumbers,
  PATIENT_DIRECTORY,
  type PatientDirectory,
} from '../../patients/patient-directory';
import { PidParam } from '../../patients/patients.dto';
import { html, type SafeHtml } from '../html';
import { sendStaffPage } from '../staff-responses';
import { patientPageBody, RangeDays, RANGES } from './patient-page.view';
import { PatientTrends } from './patient-trends';

/** The longest range the aggregates API returns at once. */
export const MAX_AGGREGATE_DAYS = 366;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_MESSAGE = 'must be a date written YYYY-MM-DD';

export class PatientPageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsIn(RANGES, { message: `days must be one of ${RANGES.join(', ')}` })
  days?: RangeDays;
}

export class AggregatesQuery {
  @Matches(DATE, { message: `from ${DATE_MESSAGE}` })
  from!: string;

  @Matches(DATE, { message: `to ${DATE_MESSAGE}` })
  to!: string;
}

function checkRange({ from, to }: AggregatesQuery): void {
  const problems = [];
  for (const [path, date] of [
    ['from', from],
    ['to', to],
  ]) {
    // 2026-02-30 matches the pattern; a round trip through Date tells.
    if (new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date)
      problems.push({ path, message: `is not a calendar date: ${date}` });
  }
  if (problems.length === 0 && to < from)
    problems.push({ path: 'to', message: `must not be before from (${from})` });
  if (problems.length === 0 && daysBetween(from, to) + 1 > MAX_AGGREGATE_DAYS) {
    problems.push({
      path: 'to',
      message: `the range is ${daysBetween(from, to) + 1} days; at most ${MAX_AGGREGATE_DAYS} at once`,
    });
  }
  if (problems.length > 0) throw new InvalidInputException(problems);
}

/** The patient page: trends with baselines, thresholds and alert episodes; status; alert history. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller()
export class PatientPageController {
  constructor(
    private readonly trends: PatientTrends,
    private readonly env: Environment,
    @Inject(PATIENT_DIRECTORY) private readonly directory: PatientDirectory,
  ) {}

  @Get('patients/:pid')
  @Roles(...ANY_STAFF)
  @ApiExcludeEndpoint()
  async page(
    @Param() { pid }: PidParam,
    @Query() query: PatientPageQuery,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const days = query.days ?? 90;
    const [view, charts] = await Promise.all([
      this.trends.view(pid, days),
      chartNumbers(this.directory, [pid]),
    ]);
    // Vigil keeps no names; the OpenEMR chart number tells staff who this is.
    const chart = charts.get(pid);
    const page = (status: number, body: SafeHtml, scripts: string[] = []) =>
      sendStaffPage(req, res, this.env.CLINIC_NAME, {
        status,
        title: chart ? `Patient ${pid}, chart ${chart}` : `Patient ${pid}`,
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
