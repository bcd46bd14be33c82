import { Injectable } from '@nestjs/common';
import { Environment } from '../config/environment';
import type { EnrollmentStatus } from '../patients/enrollment.entity';
import { EnrollmentRepository, type EvaluatedEnrollment } from '../patients/enrollment.repository';
import { ConnectionRepository } from '../wearables/connection.repository';

/** A patient the rules run for, with what evaluation needs to know. */
export interface MonitoredPatient {
  pid: number;
  /** null: no program, so only the rules' defaults apply. */
  program: string | null;
  /** IANA zone the patient's days are counted in. */
  timeZone: string;
  lastSyncAt: Date | null;
  lastDeviceSyncAt: Date | null;
  /** When the patient's wearable was connected (consent); absent where unknown. */
  connectedAt?: Date | null;
}

/**
 * Who is being monitored: the port between rules and enrollments. Rules only
 * read it; the daily run evaluates every patient it lists.
 */
export abstract class MonitoredPatients {
  abstract activePatients(): Promise<MonitoredPatient[]>;
  /** Those of `pids` still watched, by pid: a few patients without listing every one. */
  abstract watchedAmong(pids: readonly number[]): Promise<MonitoredPatient[]>;
  abstract patient(pid: number): Promise<MonitoredPatient | null>;
}

/**
 * Still meant to be watched: active, or waiting for a new consent (a patient
 * whose grant Google refused is exactly who the monitoring-gap rule is for).
 */
const WATCHED: EnrollmentStatus[] = ['active', 'needs_reconsent'];

/** Enrollments and their wearable connections; a patient without a zone counts days in the clinic's. */
@Injectable()
export class EnrolledPatients extends MonitoredPatients {
  constructor(
    private readonly enrollments: EnrollmentRepository,
    private readonly connections: ConnectionRepository,
    private readonly env: Environment,
  ) {
    super();
  }

  async activePatients(): Promise<MonitoredPatient[]> {
    return this.withConnections(await this.enrollments.watched(WATCHED));
  }

  async watchedAmong(pids: readonly number[]): Promise<MonitoredPatient[]> {
    if (pids.length === 0) return [];
    return this.withConnections(await this.enrollments.watched(WATCHED, pids));
  }

  async patient(pid: number): Promise<MonitoredPatient | null> {
    const enrollment = await this.enrollments.byPid(pid);
    if (enrollment === null) return null;
    const [found] = await this.withConnections([enrollment]);
    return found ?? null;
  }

  private async withConnections(enrollments: EvaluatedEnrollment[]): Promise<MonitoredPatient[]> {
    if (enrollments.length === 0) return [];
    const connections = await this.connections.syncTimesOf(enrollments.map((e) => e.id));
    const byEnrollment = new Map(connections.map((c) => [c.enrollmentId, c]));
    return enrollments.map((enrollment) => {
      const connection = byEnrollment.get(enrollment.id);
      return {
        pid: Number(enrollment.pid),
        program: enrollment.program,
        timeZone: enrollment.timeZone ?? this.env.CLINIC_TIME_ZONE,
        lastSyncAt: connection?.lastSyncAt ?? null,
        lastDeviceSyncAt: connection?.lastDeviceSyncAt ?? null,
        connectedAt: connection?.connectedAt ?? null,
      };
    });
  }
}
