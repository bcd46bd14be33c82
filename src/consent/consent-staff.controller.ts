import { Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiAnswer,
  ApiProblems,
  ApiStaffRoutes,
  flag,
  instant,
  integer,
  oneOf,
  shape,
  text,
} from '../http/openapi';
import { ANY_STAFF, CLINICAL_STAFF, Roles } from '../auth/access.decorators';
import { actorOf, Caller, CurrentCaller } from '../auth/caller';
import { PidParam } from '../patients/patients.dto';
import { DisconnectResult, Disconnections } from './disconnections';
import { IssuedInvitation, Invitations } from './invitations';

const DISCONNECTED = shape({
  pid: integer(),
  revokedAtProvider: flag('Google confirmed the revocation (or the grant was already dead)'),
  retention: oneOf(['keep', 'purge'], "What happened to the patient's stored data"),
});

/** Staff actions on a patient's consent: invite, disconnect, end monitoring. */
@ApiTags('patients')
@ApiStaffRoutes()
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
  @ApiAnswer(
    shape({
      url: text('The link to give the patient; shown once, only its hash is kept'),
      expiresAt: instant(),
      delivered: shape({
        portal: flag("Written to the patient's OpenEMR portal secure mail"),
        email: flag("Emailed to the address in the patient's OpenEMR chart"),
      }),
    }),
    'The invitation',
    201,
  )
  @ApiProblems(400, 404, 409)
  invite(@Param() { pid }: PidParam, @CurrentCaller() caller: Caller): Promise<IssuedInvitation> {
    return this.invitations.invite(pid, actorOf(caller));
  }

  @Delete('connection')
  @Roles(...CLINICAL_STAFF)
  @ApiOperation({
    summary: "Disconnect the patient's wearable: revoke at Google, erase tokens, stop syncing",
  })
  @ApiAnswer(DISCONNECTED, 'Disconnected')
  @ApiProblems(400, 404)
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
  @ApiAnswer(DISCONNECTED, 'Monitoring ended')
  @ApiProblems(400, 404)
  end(@Param() { pid }: PidParam, @CurrentCaller() caller: Caller): Promise<DisconnectResult> {
    return this.disconnections.endMonitoring(pid, actorOf(caller));
  }
}
