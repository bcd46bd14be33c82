import { ConflictException, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { Transaction, Transactions } from '../database/transactions';
import { JsonLogger } from '../logging/json-logger';
import { Enrollment, EnrollmentStatus } from '../patients/enrollment.entity';
import { EnrollmentRepository } from '../patients/enrollment.repository';
import { Enrollments } from '../patients/enrollments';
import { PatientDataPurge } from '../patients/patient-data-purge';
import { ConnectionTokens } from '../wearables/connection-tokens';
import { SyncSchedule } from '../ingest/sync-schedule';
import { ConnectionRepository } from '../wearables/connection.repository';
import { WearableConnection } from '../wearables/wearable-connection.entity';
import { WEARABLE_SOURCE, WearableSource } from '../wearables/wearable-source';
import {
  EVENTS_RECORDED,
  WEARABLE_DISCONNECTED,
  WearableDisconnectedEvent,
} from '../events/contracts';
import { PendingEvents } from '../events/pending-events.repository';
import { InvitationRepository } from './invitation.repository';
import { Invitations } from './invitations';
import { hashLinkToken, looksLikeLinkToken, sameHash } from './link-tokens';
import { OAuthAttemptRepository } from './oauth-attempt.repository';

export interface DisconnectResult {
  pid: number;
  /** Google confirmed the revocation (or the grant was already dead). */
  revokedAtProvider: boolean;
  retention: 'keep' | 'purge';
}

/**
 * Stopping: by the patient (their disconnect link) or by staff. Revokes the
 * grant at Google, erases the tokens, stops syncing and, with
 * RETENTION_ON_DISCONNECT=purge, runs every registered purge step, all in one
 * transaction holding the connection's row lock.
 */
@Injectable()
export class Disconnections implements OnModuleInit {
  constructor(
    private readonly transactions: Transactions,
    private readonly connections: ConnectionRepository,
    private readonly enrollmentRows: EnrollmentRepository,
    private readonly invitationRows: InvitationRepository,
    private readonly attempts: OAuthAttemptRepository,
    private readonly env: Environment,
    private readonly enrollments: Enrollments,
    private readonly invitations: Invitations,
    private readonly tokens: ConnectionTokens,
    private readonly schedule: SyncSchedule,
    private readonly purge: PatientDataPurge,
    private readonly audit: AuditTrail,
    private readonly pendingEvents: PendingEvents,
    private readonly events: EventEmitter2,
    private readonly logger: JsonLogger,
    @Inject(WEARABLE_SOURCE) private readonly source: WearableSource,
  ) {}

  /** What consent owns about a patient: their connection record and unfinished OAuth attempts. */
  onModuleInit(): void {
    this.purge.register('wearable connection', async (transaction, enrollment) => {
      await this.connections.deleteOfEnrollment(enrollment.id, transaction);
      const invitations = await this.invitationRows.idsOfEnrollment(enrollment.id, transaction);
      await this.attempts.deleteOfInvitations(invitations, transaction);
    });
  }

  /** The live connection a patient's disconnect link names, or null. */
  async findByLink(token: string | undefined): Promise<WearableConnection | null> {
    if (!looksLikeLinkToken(token)) return null;
    const hash = hashLinkToken(token);
    const connection = await this.connections.byDisconnectLink(hash);
    return connection?.disconnectTokenHash && sameHash(connection.disconnectTokenHash, hash)
      ? connection
      : null;
  }

  /** The patient withdrew consent; the enrollment pauses so staff can invite again. */
  async byPatient(token: string | undefined): Promise<DisconnectResult | null> {
    const connection = await this.findByLink(token);
    if (!connection) return null;
    const enrollment = await this.enrollmentRows.byId(connection.enrollmentId);
    if (!enrollment) return null;
    return this.disconnect(enrollment, `patient:${enrollment.pid}`, 'paused', 'patient');
  }

  async byStaff(pid: number, actor: string): Promise<DisconnectResult> {
    const enrollment = await this.enrollments.find(pid);
    const connection = await this.connections.connectedOfEnrollment(enrollment.id);
    if (enrollment.status === 'ended' || !connection) {
      throw new ConflictException(`Patient ${pid} has no wearable connection to disconnect`);
    }
    return this.disconnect(enrollment, actor, 'paused', 'staff');
  }

  /** Ends monitoring: disconnects, revokes open invitations, status ended. */
  async endMonitoring(pid: number, actor: string): Promise<DisconnectResult> {
    const enrollment = await this.enrollments.find(pid);
    if (enrollment.status === 'ended') {
      throw new ConflictException(`Monitoring of patient ${pid} has already ended`);
    }
    return this.disconnect(enrollment, actor, 'ended', 'staff');
  }

  private async disconnect(
    enrollment: Enrollment,
    actor: string,
    nextStatus: Extract<EnrollmentStatus, 'paused' | 'ended'>,
    by: 'patient' | 'staff',
  ): Promise<DisconnectResult> {
    const pid = Number(enrollment.pid);
    const retention = this.env.RETENTION_ON_DISCONNECT;
    const result = await this.transactions.run(async (transaction) => {
      const now = new Date();
      const found = await this.connections.ofEnrollment(enrollment.id, transaction);
      const connection = found && (await this.tokens.lockConnection(transaction, found.id));
      const revokedAtProvider = connection
        ? await this.revokeAtProvider(transaction, connection)
        : false;
      if (connection) {
        await this.tokens.eraseTokens(transaction, connection);
        await this.schedule.stop(connection.id, transaction);
        connection.disconnectedAt = connection.disconnectedAt ?? now;
        connection.disconnectTokenHash = null;
        await this.connections.save(connection, transaction);
      }
      const revokedInvitations =
        nextStatus === 'ended'
          ? await this.invitations.revokeOpen(transaction, enrollment.id, now)
          : 0;
      await this.enrollmentRows.markDisconnected(enrollment.id, nextStatus, now, transaction);
      const purged = retention === 'purge' ? await this.purge.run(transaction, enrollment) : [];
      await this.audit.record(
        {
          actor,
          action: nextStatus === 'ended' ? 'enrollment.ended' : 'connection.disconnected',
          subjectType: 'enrollment',
          subjectId: enrollment.id,
          pid,
          details: {
            by,
            hadConnection: connection !== null,
            revokedAtProvider,
            retention,
            purged,
            revokedInvitations,
          },
        },
        transaction,
      );
      if (connection) {
        const event: WearableDisconnectedEvent = {
          pid,
          enrollmentId: enrollment.id,
          connectionId: connection.id,
          by,
        };
        await this.pendingEvents.record(WEARABLE_DISCONNECTED, event, now, transaction);
      }
      return { connectionId: connection?.id ?? null, revokedAtProvider };
    });
    if (result.connectionId !== null) this.events.emit(EVENTS_RECORDED);
    return { pid, revokedAtProvider: result.revokedAtProvider, retention };
  }

  /** Best effort: a failed revocation must not keep the patient's tokens in Vigil. */
  private async revokeAtProvider(
    transaction: Transaction,
    connection: WearableConnection,
  ): Promise<boolean> {
    const token = await this.tokens.refreshToken(transaction, connection);
    if (token === null) return false;
    try {
      return await this.source.revoke(token);
    } catch (error) {
      this.logger.warn(
        `Revoking connection ${connection.id} at the provider failed: ${error instanceof Error ? error.name : 'error'}`,
        'Consent',
      );
      return false;
    }
  }
}
