import { Controller, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_STAFF, Roles } from '../auth/access.decorators';
import { BlindRule, BlindRules } from './blind-rules';
import { SyncOutcome } from './sync-runner';
import { SyncRequests } from './sync-requests';

@ApiTags('ingest')
@ApiBearerAuth()
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
  blindRules(@Param('pid', ParseIntPipe) pid: number): Promise<BlindRule[]> {
    return this.blind.forPatient(pid);
  }

  @Post(':pid/sync')
  @Roles(...ANY_STAFF)
  @HttpCode(200)
  @ApiOperation({
    summary: "Sync a patient's wearable data now (409 while a sync of the patient is running)",
  })
  sync(@Param('pid', ParseIntPipe) pid: number): Promise<SyncOutcome> {
    return this.requests.syncNow(pid);
  }
}
