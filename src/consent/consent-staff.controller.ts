import { Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_STAFF, CLINICAL_STAFF, Roles } from '../auth/access.decorators';
import { actorOf, Caller, CurrentCaller } from '../auth/caller';
import { PidParam } from '../patients/patients.dto';
import { DisconnectResult, Disconnections } from './disconnections';
import { IssuedInvitation, Invitations } from './invitations';

/** Staff actions on a patient's consent: invite, disconnect, end monitoring. */
@ApiTags('patients')
@ApiBearerAuth()
@Controller('api/v1/patients/:pid')
export class ConsentStaffController {
  constructor(
    private readonly invitations: Invitations,
    private readonly disconnections: Disconnections,
  ) {}

  @Post('invitations')
  @Roles(...ANY_STAFF)
  @ApiOperation({
    summary:
      'Create a single-use invitation link (replaces the previous one); delivered by portal mail and email when possible',
  })
  invite(@Param() { pid }: PidParam, @CurrentCaller() caller: Caller): Promise<IssuedInvitation> {
    return this.invitations.invite(pid, actorOf(caller));
  }

  @Delete('connection')
  @Roles(...CLINICAL_STAFF)
  @ApiOperation({
    summary: "Disconnect the patient's wearable: revoke at Google, erase tokens, stop syncing",
  })
  disconnect(
    @Param() { pid }: PidParam,
    @CurrentCaller() caller: Caller,
  ): Promise<DisconnectResult> {
    return this.disconnections.byStaff(pid, actorOf(caller));
  }

  @Delete()
  @HttpCode(200)
  @Roles(...CLINICAL_STAFF)
  @ApiOperation({ summary: 'End monitoring: disconnect, revoke open invitations, status ended' })
  end(@Param() { pid }: PidParam, @CurrentCaller() caller: Caller): Promise<DisconnectResult> {
    return this.disconnections.endMonitoring(pid, actorOf(caller));
  }
}
