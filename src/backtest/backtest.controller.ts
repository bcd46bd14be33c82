import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags, ApiParam } from '@nestjs/swagger';
import {
  ApiAnswer,
  ApiProblems,
  ApiStaffRoutes,
  anyObject,
  decimal,
  flag,
  integer,
  list,
  localDate,
  nullable,
  shape,
  text,
} from '../http/openapi';
import { Roles } from '../auth/access.decorators';
import { PatientIdentities, PatientIdentity } from '../patients/patient-identities';
import { AUTHORS, ruleId } from '../rules/rules.controller';
import { BacktestBody } from './backtest.dto';
import { BacktestResult, RuleBacktests } from './rule-backtests.service';

const OUTCOME_DAYS = shape({
  true: integer(),
  false: integer(),
  insufficient_data: integer(),
});

const BACKTEST = shape({
  rule: shape({
    id: text(),
    version: nullable(integer('The saved version replayed; null for a draft')),
    draft: flag(),
  }),
  from: localDate(),
  to: localDate(),
  days: integer(),
  partialFrom: nullable(
    localDate(
      "The first day still being measured: the earliest of the patients' local todays, when the range reaches it; null when every day is complete",
    ),
  ),
  summary: shape({
    patients: integer(),
    patientsAlerted: integer(),
    shareOfPatientsAlerted: decimal('0-1'),
    episodes: integer(),
    episodesNotified: integer('Episodes staff would have been told of'),
    alertDays: integer(),
    conditionDays: integer(),
    patientMonths: decimal(),
    alertDaysPerPatientMonth: decimal(),
    conditionDaysPerPatientMonth: decimal(),
    outcomeDays: OUTCOME_DAYS,
  }),
  patients: list(
    shape({
      pid: integer(),
      patient: anyObject(
        'Who the patient is, from OpenEMR: pid, name, dateOfBirth, chartNumber, problem',
      ),
      episodes: list(
        shape({
          start: localDate('First true day'),
          firedOn: localDate('The would-be alert'),
          notifiedOn: nullable(localDate('null when inhibited throughout')),
          end: nullable(localDate('null when still open at the end')),
          alertDays: integer(),
          peak: nullable(
            shape({
              date: localDate(),
              facts: anyObject('Fact values by name on the most extreme day'),
            }),
          ),
        }),
      ),
      alertDays: integer(),
      conditionDays: integer(),
      dataDays: integer(),
      outcomeDays: OUTCOME_DAYS,
    }),
  ),
});

@ApiTags('rules')
@ApiStaffRoutes()
@Controller('api/v1/rules')
export class BacktestController {
  constructor(
    private readonly backtests: RuleBacktests,
    private readonly identities: PatientIdentities,
  ) {}

  @Post(':id/backtest')
  @HttpCode(200)
  @Roles(...AUTHORS)
  @ApiOperation({
    summary: 'Replay a saved or draft rule over stored history (up to 365 days); writes nothing',
  })
  @ApiParam({ name: 'id', description: 'Rule id', example: 'resting-hr-rise' })
  @ApiAnswer(BACKTEST, 'Would-be episodes per patient and the summary')
  @ApiProblems(400, 404)
  async backtest(
    @Param('id') id: string,
    @Body() body: BacktestBody,
  ): Promise<NamedBacktestResult> {
    const result = await this.backtests.run({
      ruleId: ruleId(id),
      from: body.from,
      to: body.to,
      ...(body.pid === undefined ? {} : { pid: body.pid }),
      ...(body.program === undefined ? {} : { program: body.program }),
      ...(body.rule === undefined ? {} : { draft: body.rule }),
    });
    // Staff act on a would-be alert only once they know who it is about.
    return { ...result, patients: await this.identities.named(result.patients) };
  }
}

type NamedBacktestResult = Omit<BacktestResult, 'patients'> & {
  patients: (BacktestResult['patients'][number] & { patient: PatientIdentity })[];
};
