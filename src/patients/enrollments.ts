import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { Transactions } from '../database/transactions';
import { ConnectionRepository } from '../wearables/connection.repository';
import { scopeLabel } from '../wearables/google-health/scopes';
import type { WearableConnection } from '../wearables/wearable-connection.entity';
import { Enrollment, type EnrollmentFilter, EnrollmentStatus } from './enrollment.entity';
import { EnrollmentRepository } from './enrollment.repository';
import { PATIENT_DIRECTORY, PatientDirectory } from './patient-directory';

export const DEFAULT_SYNC_INTERVAL_MINUTES = 360;

export interface EnrollRequest {
  pid: number;
  program?: string | null;
  syncIntervalMinutes?: number;
}

export interface EnrollmentChanges {
  program?: string | null;
  syncIntervalMinutes?: number;
  /** Staff may pause an active enrollment or resume a paused one. */
  status?: 'active' | 'paused';
}

/** What staff see about one enrollment: never tokens, never names. */
export interface EnrollmentView {
  pid: number;
  program: string | null;
  status: EnrollmentStatus;
  timeZone: string | null;
  syncIntervalMinutes: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  endedAt: Date | null;
  connection: {
    provider: string;
    connected: boolean;
    grantedData: string[];
    connectedAt: Date;
    disconnectedAt: Date | null;
    nextSyncAt: Date | null;
    lastSyncAt: Date | null;
    lastDeviceSyncAt: Date | null;
  } | null;
}

/** Enrollments: which OpenEMR patients are monitored, how often, and in what state. */
@Injectable()
export class Enrollments {
  constructor(
    private readonly transactions: Transactions,
    private readonly enrollments: EnrollmentRepository,
    private readonly connections: ConnectionRepository,
    private readonly audit: AuditTrail,
    @Inject(PATIENT_DIRECTORY) private readonly directory: PatientDirectory,
  ) {}

  /** Enrolls a patient, or reopens an ended enrollment; 409 when already enrolled. */
  async enroll(request: EnrollRequest, actor: string): Promise<Enrollment> {
    if (this.directory.configured && !(await this.patientInOpenEmr(request.pid))) {
      throw new NotFoundException(`OpenEMR has no patient with pid ${request.pid}`);
    }
    return this.transactions.run(async (transaction) => {
      const existing = await this.enrollments.byPid(request.pid, transaction);
      if (existing && existing.status !== 'ended') {
        throw new ConflictException(
          `Patient ${request.pid} is already enrolled (status ${existing.status})`,
        );
      }
      const now = new Date();
      const enrollment = await this.enrollments.save(
        {
          ...(existing ?? {}),
          pid: request.pid,
          program: request.program ?? null,
          status: 'invited',
          timeZone: existing?.timeZone ?? null,
          syncIntervalMinutes: request.syncIntervalMinutes ?? DEFAULT_SYNC_INTERVAL_MINUTES,
          createdAt: now,
          createdBy: actor,
          updatedAt: now,
          endedAt: null,
        },
        transaction,
      );
      await this.audit.record(
        {
          actor,
          action: existing ? 'enrollment.reopened' : 'enrollment.created',
          subjectType: 'enrollment',
          subjectId: enrollment.id,
          pid: enrollment.pid,
          details: {
            program: enrollment.program,
            syncIntervalMinutes: enrollment.syncIntervalMinutes,
          },
        },
        transaction,
      );
      return enrollment;
    });
  }

  private async patientInOpenEmr(pid: number): Promise<boolean> {
    try {
      return await this.directory.patientExists(pid);
    } catch {
      throw new ServiceUnavailableException(
        'OpenEMR did not answer, so the pid cannot be checked; try again shortly',
      );
    }
  }

  async find(pid: number): Promise<Enrollment> {
    const enrollment = await this.enrollments.byPid(pid);
    if (!enrollment) throw new NotFoundException(`Patient ${pid} is not enrolled`);
    return enrollment;
  }

  /** Each enrolled patient's time zone (null until their Google settings were read). */
  async timeZones(pids: readonly number[]): Promise<Map<number, string | null>> {
    return this.enrollments.timeZones(pids);
  }

  /** Enrolled patients by pid, all or those a filter (ENROLLMENT_FILTERS) selects. */
  async list(filter?: EnrollmentFilter): Promise<EnrollmentView[]> {
    const enrollments = await this.enrollments.list(filter === 'disconnected' ? 'paused' : filter);
    const connections = await this.connections.ofEnrollments(enrollments.map((e) => e.id));
    const byEnrollment = new Map(connections.map((c) => [c.enrollmentId, c]));
    const views = enrollments.map((e) => viewOf(e, byEnrollment.get(e.id) ?? null));
    return filter === 'disconnected' ? views.filter(isDisconnected) : views;
  }

  /** The programs patients are enrolled in, for choosing one in a filter. */
  programs(): Promise<string[]> {
    return this.enrollments.programs();
  }

  /** The OAuth scopes the patient granted; none without a connection. */
  async grantedScopes(pid: number): Promise<string[]> {
    const enrollment = await this.find(pid);
    const connection = await this.connections.ofEnrollment(enrollment.id);
    return connection?.scopes ?? [];
  }

  /**
   * find and grantedScopes for several patients in two queries, in the order
   * of `pids`; 404 for the first one not enrolled.
   */
  async findWithScopes(
    pids: readonly number[],
  ): Promise<{ enrollment: Enrollment; scopes: string[] }[]> {
    const enrollments = new Map(
      (await this.enrollments.byPids(pids)).map((e) => [Number(e.pid), e]),
    );
    const missing = pids.find((pid) => !enrollments.has(pid));
    if (missing !== undefined) throw new NotFoundException(`Patient ${missing} is not enrolled`);
    const connections = await this.connections.ofEnrollments(
      [...enrollments.values()].map((e) => e.id),
    );
    const scopes = new Map(connections.map((c) => [c.enrollmentId, c.scopes]));
    return pids.map((pid) => {
      const enrollment = enrollments.get(pid)!;
      return { enrollment, scopes: scopes.get(enrollment.id) ?? [] };
    });
  }

  async view(pid: number): Promise<EnrollmentView> {
    const enrollment = await this.find(pid);
    const connection = await this.connections.ofEnrollment(enrollment.id);
    return viewOf(enrollment, connection);
  }

  async update(pid: number, changes: EnrollmentChanges, actor: string): Promise<EnrollmentView> {
    await this.transactions.run(async (transaction) => {
      const enrollment = await this.enrollments.byPid(pid, transaction);
      if (!enrollment) throw new NotFoundException(`Patient ${pid} is not enrolled`);
      if (enrollment.status === 'ended') {
        throw new ConflictException(`Monitoring of patient ${pid} has ended; enroll again instead`);
      }
      const connection = await this.connections.ofEnrollment(enrollment.id, transaction);
      if (changes.program !== undefined) enrollment.program = changes.program;
      if (changes.syncIntervalMinutes !== undefined) {
        enrollment.syncIntervalMinutes = changes.syncIntervalMinutes;
      }
      if (changes.status && changes.status !== enrollment.status) {
        const connected = connection !== null && connection.refreshSecretId !== null;
        if (changes.status === 'paused' && enrollment.status !== 'active') {
          throw new ConflictException(
            `Only an active enrollment can be paused (it is ${enrollment.status})`,
          );
        }
        if (changes.status === 'active' && (enrollment.status !== 'paused' || !connected)) {
          throw new ConflictException(
            'Only a paused enrollment with a working connection can resume; otherwise invite the patient again',
          );
        }
        enrollment.status = changes.status;
        if (connection) {
          connection.nextSyncAt = changes.status === 'active' ? new Date() : null;
          await this.connections.save(connection, transaction);
        }
      }
      enrollment.updatedAt = new Date();
      await this.enrollments.save(enrollment, transaction);
      await this.audit.record(
        {
          actor,
          action: 'enrollment.updated',
          subjectType: 'enrollment',
          subjectId: enrollment.id,
          pid,
          details: { ...changes },
        },
        transaction,
      );
    });
    return this.view(pid);
  }
}

/** Paused because the patient's Google connection is gone: only a new invitation restarts it. */
export function isDisconnected(view: Pick<EnrollmentView, 'status' | 'connection'>): boolean {
  return view.status === 'paused' && view.connection !== null && !view.connection.connected;
}

export function viewOf(
  enrollment: Enrollment,
  connection: WearableConnection | null,
): EnrollmentView {
  return {
    pid: Number(enrollment.pid),
    program: enrollment.program,
    status: enrollment.status,
    timeZone: enrollment.timeZone,
    syncIntervalMinutes: enrollment.syncIntervalMinutes,
    createdAt: enrollment.createdAt,
    createdBy: enrollment.createdBy,
    updatedAt: enrollment.updatedAt,
    endedAt: enrollment.endedAt,
    connection: connection && {
      provider: connection.provider,
      connected: connection.refreshSecretId !== null,
      grantedData: connection.scopes.map(scopeLabel),
      connectedAt: connection.connectedAt,
      disconnectedAt: connection.disconnectedAt,
      nextSyncAt: connection.nextSyncAt,
      lastSyncAt: connection.lastSyncAt,
      lastDeviceSyncAt: connection.lastDeviceSyncAt,
    },
  };
}
