import {
  Body,
  Controller,
  Get,
  HttpException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { StaffPageErrors } from '../page-errors.filter';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { ANY_STAFF, CLINICAL_STAFF, Roles } from '../../auth/access.decorators';
import type { AuthenticatedRequest } from '../../auth/access.guard';
import { actorOf, type Caller, CurrentCaller } from '../../auth/caller';
import { Environment } from '../../config/environment';
import { Disconnections } from '../../consent/disconnections';
import { Invitations } from '../../consent/invitations';
import { MAX_PID, pathParam } from '../../http/input-fields';
import type { FieldProblem } from '../../http/problem.filter';
import { Enrollments } from '../../patients/enrollments';
import { identityWords, PatientIdentities } from '../../patients/patient-identities';
import type { SafeHtml } from '../html';
import { readPageInput } from '../page-input';
import { sendStaffPage } from '../staff-responses';
import { viewerOf } from '../viewer';
import { AuditTrail } from '../../audit/audit-trail';
import { connectionChanges } from '../../patients/connection-changes';
import { BlindRules } from '../../ingest/blind-rules';
import { EnrollForm, type EnrollmentDone, EnrollmentsQuery, pidOf } from './enrollments-input';
import {
  type EnrollmentsContext,
  type EnrollmentsPage,
  renderEnrollments,
  renderInvitation,
} from './enrollments.view';
import { qrCodeSvg } from './qr-code';

/**
 * Who is monitored, and the staff actions on it: enroll, invite (a printable
 * link and QR code), pause and resume, disconnect, end. Each action calls the
 * same service as /api/v1/patients; a refusal re-renders the list saying why.
 */
@ApiExcludeController()
@UseFilters(StaffPageErrors)
@Controller('enrollments')
export class EnrollmentsPageController {
  constructor(
    private readonly enrollments: Enrollments,
    private readonly invitations: Invitations,
    private readonly disconnections: Disconnections,
    private readonly env: Environment,
    private readonly identities: PatientIdentities,
    private readonly audit: AuditTrail,
    private readonly blind: BlindRules,
  ) {}

  @Get()
  @Roles(...ANY_STAFF)
  async list(
    @Query() raw: Record<string, unknown>,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const input = readPageInput(EnrollmentsQuery, raw);
    if (!input.ok) {
      await this.page(req, res, 400, {
        query: null,
        problems: { title: 'The filter is not valid:', list: input.problems },
      });
      return;
    }
    await this.page(req, res, 200, { query: input.value });
  }

  @Post()
  @Roles(...ANY_STAFF)
  async enroll(
    @Body() body: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const input = readPageInput(EnrollForm, body);
    const form = textFields(body);
    if (!input.ok) {
      await this.page(req, res, 400, {
        enrollForm: form,
        problems: { title: 'The patient could not be enrolled:', list: input.problems },
      });
      return;
    }
    const { pid, program, syncIntervalMinutes } = input.value;
    await this.act(req, res, pid, 'enrolled', form, () =>
      this.enrollments.enroll({ pid, program, syncIntervalMinutes }, actorOf(caller)),
    );
  }

  @Post(':pid/invitation')
  @Roles(...ANY_STAFF)
  async invite(
    @Param('pid') pidText: string,
    @CurrentCaller() caller: Caller,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const pid = pathPid(pidText);
    let invitation;
    try {
      invitation = await this.invitations.invite(pid, actorOf(caller));
    } catch (error) {
      return this.refused(req, res, error);
    }
    const patient = await this.identities.one(pid);
    const body = renderInvitation(
      {
        pid,
        patient,
        invitation,
        qrCode: await qrCodeSvg(
          invitation.url,
          `QR code of the invitation link for patient ${pid}`,
        ),
        clinic: this.env.CLINIC_NAME,
      },
      this.context(req),
    );
    // The link is in the page: nothing may keep a copy of it.
    this.send(req, res, 200, `Invitation for ${identityWords(patient)}`, body, true);
  }

  @Post(':pid/pause')
  @Roles(...ANY_STAFF)
  pause(
    @Param('pid') pidText: string,
    @CurrentCaller() caller: Caller,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    return this.onPatient(req, res, pidText, 'paused', (pid) =>
      this.enrollments.update(pid, { status: 'paused' }, actorOf(caller)),
    );
  }

  @Post(':pid/resume')
  @Roles(...ANY_STAFF)
  resume(
    @Param('pid') pidText: string,
    @CurrentCaller() caller: Caller,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    return this.onPatient(req, res, pidText, 'resumed', (pid) =>
      this.enrollments.update(pid, { status: 'active' }, actorOf(caller)),
    );
  }

  @Post(':pid/disconnect')
  @Roles(...CLINICAL_STAFF)
  disconnect(
    @Param('pid') pidText: string,
    @CurrentCaller() caller: Caller,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    return this.onPatient(req, res, pidText, 'disconnected', (pid) =>
      this.disconnections.byStaff(pid, actorOf(caller)),
    );
  }

  @Post(':pid/end')
  @Roles(...CLINICAL_STAFF)
  end(
    @Param('pid') pidText: string,
    @CurrentCaller() caller: Caller,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    return this.onPatient(req, res, pidText, 'ended', (pid) =>
      this.disconnections.endMonitoring(pid, actorOf(caller)),
    );
  }

  private async onPatient(
    req: AuthenticatedRequest,
    res: Response,
    pidText: string,
    done: EnrollmentDone,
    action: (pid: number) => Promise<unknown>,
  ): Promise<void> {
    const pid = pathPid(pidText);
    await this.act(req, res, pid, done, undefined, () => action(pid));
  }

  /** Done: back to the list announcing it (303). Refused by the service: the list says why. */
  private async act(
    req: AuthenticatedRequest,
    res: Response,
    pid: number,
    done: EnrollmentDone,
    enrollForm: Record<string, string> | undefined,
    action: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await action();
    } catch (error) {
      return this.refused(req, res, error, enrollForm);
    }
    res.redirect(303, `/enrollments?done=${done}&pid=${pid}#patient-${pid}`);
  }

  /** The services' 404/409/503 carry words meant for staff; anything else is a real error. */
  private async refused(
    req: AuthenticatedRequest,
    res: Response,
    error: unknown,
    enrollForm?: Record<string, string>,
  ): Promise<void> {
    const status = error instanceof HttpException ? error.getStatus() : 500;
    if (!(error instanceof HttpException) || (status >= 500 && status !== 503)) throw error;
    await this.page(req, res, status, { refusal: error.message, enrollForm });
  }

  private async page(
    req: AuthenticatedRequest,
    res: Response,
    status: number,
    options: {
      query?: EnrollmentsQuery | null;
      refusal?: string;
      enrollForm?: Record<string, string>;
      problems?: { title: string; list: FieldProblem[] };
    },
  ): Promise<void> {
    const filter = options.query?.status;
    const views = await this.enrollments.list(filter);
    const patients = await this.identities.of(views.map((v) => v.pid));
    const invitations = await this.invitations.latestByPatient();
    const changes = await this.audit.latestConnectionChanges(views.map((v) => v.pid));
    // Only connected patients: before consent, or after the end, no rule is expected to fire.
    const blind = await this.blind.forPatients(
      views.filter((v) => v.connection?.connected === true && v.endedAt === null).map((v) => v.pid),
    );
    const page: EnrollmentsPage = {
      rows: views.map((view) => ({
        view,
        patient: patients.get(view.pid)!,
        invitation: invitations.get(view.pid),
        blindRules: blind.get(view.pid) ?? [],
        changes: connectionChanges(
          changes.get(view.pid) ?? [],
          view.timeZone ?? this.env.CLINIC_TIME_ZONE,
        ),
      })),
      query: options.query ?? null,
      filter,
      enrollForm: options.enrollForm,
      programs: await this.enrollments.programs(),
      problems: options.problems,
      refusal: options.refusal,
    };
    this.send(req, res, status, 'Enrollments', renderEnrollments(page, this.context(req)));
  }

  private context(req: AuthenticatedRequest): EnrollmentsContext {
    return {
      timeZone: this.env.CLINIC_TIME_ZONE,
      now: new Date(),
      csrfToken: viewerOf(req).csrfToken,
      role: viewerOf(req).role,
    };
  }

  private send(
    req: AuthenticatedRequest,
    res: Response,
    status: number,
    title: string,
    body: SafeHtml,
    noStore = false,
  ): void {
    sendStaffPage(req, res, this.env.CLINIC_NAME, {
      status,
      title,
      section: 'enrollments',
      body,
      noStore,
    });
  }
}

/** The form's text fields as sent, to refill it after a refusal. */
function textFields(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body ?? {}).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== '_csrf',
    ),
  );
}

/** "/enrollments/abc/pause" names no patient: 400 naming pid, as every id in a path (pathParam). */
function pathPid(text: string): number {
  const shape = `a whole number from 1 to ${MAX_PID}`;
  return Number(pathParam('pid', text, (t) => pidOf(t) !== null, shape));
}
