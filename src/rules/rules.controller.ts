import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags, ApiParam } from '@nestjs/swagger';
import { ApiAnswer, ApiProblems, ApiStaffRoutes, anyObject, list } from '../http/openapi';
import { ANY_STAFF, Roles } from '../auth/access.decorators';
import { actorOf, Caller, CurrentCaller } from '../auth/caller';
import { StaffRole } from '../auth/roles';
import { Enrollments } from '../patients/enrollments';
import { OutcomesQuery, PidAndRuleParam, ProgramSettingBody } from './rules.dto';
import { PidParam } from '../patients/patients.dto';
import {
  dateRangeProblems,
  pathParam,
  PROGRAM_NAME,
  PROGRAM_NAME_SHAPE,
} from '../http/input-fields';
import { InvalidInputException } from '../http/problem.filter';
import { RuleDefinition } from './rule-definition';
import { RuleOutcomes } from './rule-outcomes.repository';
import { FolderSync, RulesService, RuleVersionView, RuleView } from './rules.service';
import { RuleError } from './validation/rule-error';
import { RULE_ID_PATTERN } from './validation/rule-fields';
import { RULE_JSON_SCHEMA } from './validation/rule-json-schema';
import {
  FOLDER_SYNC,
  OUTCOMES,
  PATIENT_PARAMS,
  PATIENT_RULE_PARAMS,
  RULE,
  RULE_CHECK,
  RULE_VERSIONS,
  RULE_VIEW,
} from './rules.openapi';

/** Who may change rules and overrides: clinicians (and admins). Staff read. */
export const AUTHORS: StaffRole[] = ['admin', 'clinician'];

const RULE_BODY = {
  description: 'A rule in the format of GET /api/v1/rules/schema (see docs/rules.md)',
  schema: { type: 'object', additionalProperties: true },
};

const RULE_ID_SHAPE =
  'a rule id such as resting-hr-rise: lower-case letters and digits, words joined by single dashes, at most 64 characters';

/** A rule id from a path: 400 when it cannot be one, as for every id in a path (pathParam). */
export function ruleId(id: string): string {
  return pathParam('id', id, (v) => v.length <= 64 && RULE_ID_PATTERN.test(v), RULE_ID_SHAPE);
}

/** The longest range of outcomes one request reads. */
const MAX_OUTCOME_DAYS = 366;

function versionNumber(value: string): number {
  return Number(pathParam('version', value, /^[1-9]\d{0,9}$/, 'a version number: 1 or more'));
}

@ApiTags('rules')
@ApiStaffRoutes()
@Controller('api/v1/rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get('schema')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'JSON Schema (draft 2020-12) of the rule format, for editors' })
  @ApiAnswer(anyObject('A JSON Schema document'), 'The schema')
  schema(): object {
    return RULE_JSON_SCHEMA;
  }

  @Post('validate')
  @HttpCode(200)
  @Roles(...AUTHORS)
  @ApiBody(RULE_BODY)
  @ApiOperation({
    summary:
      'Validate a rule without saving it; errors and warnings (what this installation cannot do) carry JSON paths',
  })
  @ApiAnswer(RULE_CHECK, 'The verdict (a bad rule is 200 with valid false)')
  @ApiProblems(400)
  async validate(
    @Body() body: unknown,
  ): Promise<{ valid: boolean; errors: RuleError[]; warnings: RuleError[] }> {
    const { errors, warnings } = await this.rules.check(body);
    return { valid: errors.length === 0, errors, warnings };
  }

  @Post('reload')
  @HttpCode(200)
  @Roles(...AUTHORS)
  @ApiOperation({
    summary:
      'Sync the rules folder; bad files are reported and their rules keep their last good version',
  })
  @ApiAnswer(FOLDER_SYNC, 'What the sync found and did')
  reload(@CurrentCaller() caller: Caller): Promise<FolderSync> {
    return this.rules.syncFolder(actorOf(caller));
  }

  @Get()
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Every rule at its version in force, with its program settings' })
  @ApiAnswer(list(RULE_VIEW), 'The rules')
  list(): Promise<RuleView[]> {
    return this.rules.list();
  }

  @Post()
  @Roles(...AUTHORS)
  @ApiBody(RULE_BODY)
  @ApiOperation({
    summary: 'Create a rule (version 1); it runs only for programs it is enabled for',
  })
  @ApiAnswer(RULE_VIEW, 'Created', 201)
  @ApiProblems(400, 409)
  create(@Body() body: unknown, @CurrentCaller() caller: Caller): Promise<RuleView> {
    return this.rules.create(body, actorOf(caller));
  }

  @Get(':id')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'One rule at its version in force' })
  @ApiParam({ name: 'id', description: 'Rule id', example: 'resting-hr-rise' })
  @ApiAnswer(RULE_VIEW, 'The rule')
  @ApiProblems(400, 404)
  get(@Param('id') id: string): Promise<RuleView> {
    return this.rules.get(ruleId(id));
  }

  @Put(':id')
  @Roles(...AUTHORS)
  @ApiBody(RULE_BODY)
  @ApiOperation({ summary: 'Change a rule: a new immutable version when anything changed' })
  @ApiParam({ name: 'id', description: 'Rule id', example: 'resting-hr-rise' })
  @ApiAnswer(RULE_VIEW, 'The rule as changed')
  @ApiProblems(400, 404, 409)
  update(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<RuleView> {
    return this.rules.update(ruleId(id), body, actorOf(caller));
  }

  @Get(':id/versions')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Version history, newest first: who, when, and what changed' })
  @ApiParam({ name: 'id', description: 'Rule id', example: 'resting-hr-rise' })
  @ApiAnswer(RULE_VERSIONS, 'The versions')
  @ApiProblems(400, 404)
  history(@Param('id') id: string): Promise<RuleVersionView[]> {
    return this.rules.history(ruleId(id));
  }

  @Get(':id/versions/:version')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'The rule as it was at one version' })
  @ApiParam({ name: 'id', description: 'Rule id', example: 'resting-hr-rise' })
  @ApiParam({ name: 'version', description: 'Version number', example: 2 })
  @ApiAnswer(RULE, 'The rule at that version')
  @ApiProblems(400, 404)
  version(@Param('id') id: string, @Param('version') version: string): Promise<RuleDefinition> {
    return this.rules.version(ruleId(id), versionNumber(version));
  }

  @Put(':id/programs/:program')
  @Roles(...AUTHORS)
  @ApiOperation({
    summary: "Switch a rule on or off for a program and set the program's param overrides",
  })
  @ApiParam({ name: 'id', description: 'Rule id', example: 'resting-hr-rise' })
  @ApiParam({ name: 'program', description: 'Program name', example: 'heart-failure' })
  @ApiAnswer(RULE_VIEW, 'The rule with its program settings')
  @ApiProblems(400, 404)
  setProgram(
    @Param('id') id: string,
    @Param('program') program: string,
    @Body() body: ProgramSettingBody,
    @CurrentCaller() caller: Caller,
  ): Promise<RuleView> {
    pathParam('program', program, PROGRAM_NAME, PROGRAM_NAME_SHAPE);
    return this.rules.setProgram(ruleId(id), program, body, actorOf(caller));
  }
}

@ApiTags('rules')
@ApiStaffRoutes()
@Controller('api/v1/patients/:pid')
export class PatientRulesController {
  constructor(
    private readonly rules: RulesService,
    private readonly outcomes: RuleOutcomes,
    private readonly enrollments: Enrollments,
  ) {}

  /** Overrides are about a watched patient: a pid that was never enrolled is 404, nothing saved. */
  private async enrolled(pid: number): Promise<number> {
    await this.enrollments.find(pid);
    return pid;
  }

  @Get('outcomes')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: "A patient's rule outcomes, newest date first" })
  @ApiAnswer(OUTCOMES, 'The outcomes')
  @ApiProblems(400, 404)
  async list(@Param() { pid }: PidParam, @Query() query: OutcomesQuery): Promise<object[]> {
    const to = query.to ?? new Date().toISOString().slice(0, 10);
    const from =
      query.from ??
      new Date(Date.parse(`${to}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
    const problems = dateRangeProblems(from, to, MAX_OUTCOME_DAYS);
    if (problems.length > 0) throw new InvalidInputException(problems);
    const rows = await this.outcomes.forPatient(pid, {
      from,
      to,
      limit: query.limit ?? 1000,
      ...(query.rule === undefined ? {} : { ruleId: query.rule }),
    });
    return rows.map((row) => ({
      date: row.date,
      rule: row.ruleId,
      ruleVersion: row.ruleVersion,
      result: row.result,
      facts: JSON.parse(row.facts) as Record<string, number | null>,
      message: row.message,
      evaluatedAt: row.evaluatedAt,
    }));
  }

  @Get('rules/params')
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: "The patient's param overrides, by rule" })
  @ApiAnswer(PATIENT_PARAMS, 'The overrides')
  @ApiProblems(400, 404)
  async params(
    @Param() { pid }: PidParam,
  ): Promise<{ rule: string; params: Record<string, number> }[]> {
    return this.rules.patientParams(await this.enrolled(pid));
  }

  @Put('rules/:id/params')
  @Roles(...AUTHORS)
  @ApiBody({
    description: "Named numbers replacing the rule's params for this patient; {} removes them",
    schema: { type: 'object', additionalProperties: { type: 'number' }, example: { deltaBpm: 6 } },
  })
  @ApiOperation({ summary: "Set one patient's param overrides of a rule (validated and audited)" })
  @ApiAnswer(PATIENT_RULE_PARAMS, 'The overrides in force')
  @ApiProblems(400, 404)
  async setParams(
    @Param() { pid, id }: PidAndRuleParam,
    @Body() body: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
  ): Promise<{ pid: number; rule: string; params: Record<string, number> }> {
    const patient = await this.enrolled(pid);
    return this.rules.setPatientParams(patient, ruleId(id), body, actorOf(caller));
  }
}
