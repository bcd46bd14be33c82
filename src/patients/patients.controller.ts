import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiAnswer,
  ApiProblems,
  ApiStaffRoutes,
  flag,
  instant,
  integer,
  list,
  localDate,
  nullable,
  oneOf,
  shape,
  text,
} from '../http/openapi';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { ANY_STAFF, CLINICAL_STAFF, Roles } from '../auth/access.decorators';
import { actorOf, Caller, CurrentCaller } from '../auth/caller';
import { connectionChanges, type ConnectionChange } from './connection-changes';
import { ENROLLMENT_STATUSES } from './enrollment.entity';
import { Enrollments, EnrollmentView, viewOf } from './enrollments';
import { PatientIdentities, PatientIdentity } from './patient-identities';
import {
  EnrollPatientDto,
  ListEnrollmentsQuery,
  PidParam,
  UpdateEnrollmentDto,
} from './patients.dto';

/** An enrollment with who the patient is (from OpenEMR, never stored). */
type NamedEnrollment = EnrollmentView & { patient: PatientIdentity };

/** One patient's enrollment with the changes that break their series. */
type EnrollmentDetail = NamedEnrollment & { connectionChanges: ConnectionChange[] };

/**
 * Enrollment API. Inviting, disconnecting and ending monitoring live in
 * consent/ (they revoke links and tokens); see ConsentStaffController.
 */
/** An enrollment with who the patient is, as every enrollment route answers it. */
export const ENROLLMENT = shape({
  pid: integer('OpenEMR pid'),
  program: nullable(text()),
  status: oneOf(
    ENROLLMENT_STATUSES,
    'A paused enrollment whose connection.connected is false is disconnected (listed by ?status=disconnected): only a new invitation restarts it',
  ),
  timeZone: nullable(text("The patient's IANA time zone")),
  syncIntervalMinutes: integer(),
  createdAt: instant(),
  createdBy: text(),
  updatedAt: instant(),
  endedAt: nullable(instant()),
  connection: nullable(
    shape({
      provider: text(),
      connected: flag(),
      grantedData: list(text(), 'Google Health data types the patient granted'),
      connectedAt: instant(),
      disconnectedAt: nullable(instant()),
      nextSyncAt: nullable(instant()),
      lastSyncAt: nullable(instant()),
      lastDeviceSyncAt: nullable(instant()),
    }),
  ),
  patient: shape(
    {
      pid: integer(),
      name: nullable(text('From OpenEMR; null when it could not be read')),
      dateOfBirth: nullable(localDate()),
      chartNumber: nullable(text()),
      problem: nullable(text('Why the name is missing')),
    },
    'Who the patient is, from OpenEMR (never stored by Vigil)',
  ),
});

/** One enrollment, as `GET /api/v1/patients/:pid` answers it. */
export const ENROLLMENT_DETAIL = shape({
  ...(ENROLLMENT.properties as Record<string, SchemaObject>),
  connectionChanges: list(
    shape({
      at: instant('When the change was recorded'),
      date: localDate("The patient's local day it took effect (in the zone in force after it)"),
      kind: oneOf(['account', 'timeZone', 'device']),
      words: text('"Another Google account connected", "Time zone America/Chicago → Europe/Paris"'),
    }),
    "Changes of Google account, time zone or device on reconnect or sync, oldest first: the patient's days before and after are not comparable",
  ),
});

@ApiTags('patients')
@ApiStaffRoutes()
@Controller('api/v1/patients')
export class PatientsController {
  constructor(
    private readonly enrollments: Enrollments,
    private readonly identities: PatientIdentities,
    private readonly audit: AuditTrail,
    private readonly env: Environment,
  ) {}

  @Post()
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Enroll an OpenEMR patient into monitoring (status invited)' })
  @ApiAnswer(ENROLLMENT, 'Enrolled', 201)
  @ApiProblems(400, 409)
  async enroll(
    @Body() body: EnrollPatientDto,
    @CurrentCaller() caller: Caller,
  ): Promise<NamedEnrollment> {
    return this.named(viewOf(await this.enrollments.enroll(body, actorOf(caller)), null));
  }

  @Get()
  @Roles(...ANY_STAFF)
  @ApiOperation({ summary: 'Enrolled patients, optionally by status' })
  @ApiAnswer(list(ENROLLMENT), 'The enrollments')
  @ApiProblems(400)
  async list(@Query() query: ListEnrollmentsQuery): Promise<NamedEnrollment[]> {
    return this.identities.named(await this.enrollments.list(query.status));
  }

  @Get(':pid')
  @Roles(...ANY_STAFF)
  @ApiOperation({
    summary:
      'One enrollment: status, granted data, last sync, last device sync, and changes of Google account, time zone or device',
  })
  @ApiAnswer(ENROLLMENT_DETAIL, 'The enrollment')
  @ApiProblems(400, 404)
  async view(@Param() { pid }: PidParam): Promise<EnrollmentDetail> {
    const [enrollment, events] = await Promise.all([
      this.enrollments.view(pid),
      this.audit.connectionChanges(pid),
    ]);
    return {
      ...(await this.named(enrollment)),
      connectionChanges: connectionChanges(
        events,
        enrollment.timeZone ?? this.env.CLINIC_TIME_ZONE,
      ),
    };
  }

  @Patch(':pid')
  @Roles(...ANY_STAFF)
  @ApiOperation({
    summary: 'Change program (clinicians and admins) or sync interval, pause or resume',
  })
  @ApiAnswer(ENROLLMENT, 'The enrollment as changed')
  @ApiProblems(400, 404)
  async update(
    @Param() { pid }: PidParam,
    @Body() body: UpdateEnrollmentDto,
    @CurrentCaller() caller: Caller,
  ): Promise<NamedEnrollment> {
    // A program decides which clinician-set rules watch the patient.
    if (body.program !== undefined && !CLINICAL_STAFF.includes(caller.role))
      throw new ForbiddenException('Moving a patient to another program needs the clinician role');
    return this.named(await this.enrollments.update(pid, body, actorOf(caller)));
  }

  private async named(view: EnrollmentView): Promise<NamedEnrollment> {
    return (await this.identities.named([view]))[0];
  }
}
