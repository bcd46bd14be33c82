import { Controller, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_STAFF, Roles } from '../auth/access.decorators';
import { SyncOutcome } from './sync-runner';
import { SyncRequests } from './sync-requests';

@ApiTags('ingest')
@ApiBearerAuth()
@Controller('api/v1/patients')
export class SyncController {
  constructor(private readonly requests: SyncRequests) {}

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
