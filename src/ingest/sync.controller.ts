import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiAnswer,
  ApiProblems,
  ApiStaffRoutes,
  instant,
  integer,
  list,
  localDate,
  nullable,
  oneOf,
  shape,
  text,
} from '../http/openapi';
import { ANY_STAFF, Roles } from '../auth/access.decorators';
import { BlindRule, BlindRules } from './blind-rules';
import { SyncOutcome } from './sync-runner';
import { SyncRequests } from './sync-requests';
import { PidParam } from '../patients/patients.dto';

@ApiTags('ingest')
@ApiStaffRoutes()
@Controller('api/v1/patients')
export class SyncController {
  constructor(
    private readonly requests: SyncRequests,
    private readonly blind: BlindRules,
  ) {}

  @Get(':pid/blind-rules')
  @Roles(...ANY_STAFF)
  @ApiOperation({
    summary:
      'Enabled rules that cannot fire for the patient: a data type they read was not granted, or sent nothing in BACKFILL_DAYS',
  })
  @ApiAnswer(
    list(
      shape({
        ruleId: text(),
        title: text(),
        missing: list(
          shape({
            dataType: text('A Google Health data type'),
            reason: oneOf(['not_granted', 'no_data']),
          }),
        ),
      }),
    ),
    'The blind rules (empty when every rule can see something)',
  )
  @ApiProblems(400, 404)
  blindRules(@Param() { pid }: PidParam): Promise<BlindRule[]> {
    return this.blind.forPatient(pid);
  }

  @Post(':pid/sync')
  @Roles(...ANY_STAFF)
  @HttpCode(200)
  @ApiOperation({
    summary: "Sync a patient's wearable data now (409 while a sync of the patient is running)",
  })
  @ApiAnswer(
    {
      type: 'object',
      description: 'synced: the dates read and those that changed; failed or skipped: why',
      properties: {
        status: oneOf(['synced', 'failed', 'skipped']),
        pid: nullable(integer()),
        kind: text('backfill or incremental (synced)'),
        dates: list(localDate()),
        changed: list(localDate()),
        reason: text('Why it failed or was skipped'),
        retryAt: nullable(instant('When it will be tried again (failed)')),
      },
      required: ['status', 'pid'],
    },
    'What the sync did',
  )
  @ApiProblems(400, 404, 409)
  sync(@Param() { pid }: PidParam): Promise<SyncOutcome> {
    return this.requests.syncNow(pid);
  }
}
