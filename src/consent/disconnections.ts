import { ConflictException, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { inTransaction } from '../database/transactions';
import { JsonLogger } from '../logging/json-logger';
import { Enrollment, EnrollmentStatus } from '../patients/enrollment.entity';
import { Enrollments } from '../patients/enrollments';
import { PatientDataPurge } from '../patients/patient-data-purge';
import { ConnectionTokens } from '../wearables/connection-tokens';
import { WearableConnection } from '../wearables/wearable-connection.entity';
import { WEARABLE_SOURCE, WearableSource } from '../wearables/wearable-source';
import {
  EVENTS_RECORDED,
  WEARABLE_DISCONNECTED,
  WearableDisconnectedEvent,
} from '../events/contracts';
import { recordEvent } from '../events/pending-events.repository';
import { Invitation } from './invitation.entity';
import { Invitations } from './invitations';
import { hashLinkToken, looksLikeLinkToken, sameHash } from './link-tokens';
import { OAuthAttempt } from './oauth-attempt.entity';

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
    private readonly dataSource: DataSource,
    private readonly env: Environment,
    private readonly enrollments: Enrollments,
    private readonly invitations: Invitations,
    private readonly tokens: ConnectionTokens,
    private readonly purge: PatientDataPurge,
    private readonly audit: AuditTrail,
    private readonly events: EventEmitter2,
    private readonly logger: JsonLogger,
    @Inject(WEARABLE_SOURCE) private readonly source: WearableSource,
  ) {}

  /** What consent owns about a patient: their connection record and unfinished OAuth attempts. */
  onModuleInit(): void {
    this.purge.register('wearable connection', async (manager, enrollment) => {
      await manager.getRepository(WearableConnection).delete({ enrollmentId: enrollment.id });
      const invitations = await manager
        .getRepository(Invitation)
        .find({ select: { id: true }, where: { enrollmentId: enrollment.id } });
      if (invitations.length > 0) {
        await manager
          .getRepository(OAuthAttempt)
          .delete({ invitationId: In(invitations.map((i) => i.id)) });
      }
    });
  }

  /** The live connection a patient's disconnect link names, or null. */
  async findByLink(token: string | undefined): Promise<WearableConnection | null> {
    if (!looksLikeLinkToken(token)) return null;
    const hash = hashLinkToken(token);
    const connection = await this.dataSource
      .getRepository(WearableConnection)
      .findOneBy({ disconnectTokenHash: hash });
    return connection?.disconnectTokenHash && sameHash(connection.disconnectTokenHash, hash)
      ? connection
      : null;
  }

  /** The patient withdrew consent; the enrollment pauses so staff can invite again. */
  async byPatient(token: string | undefined): Promise<DisconnectResult | null> {
    const connection = await this.findByLink(token);
    if (!connection) return null;
    const enrollment = await this.dataSource
      .getRepository(Enrollment)
      .findOneByOrFail({ id: connection.enrollmentId });
    return this.disconnect(enrollment, `patient:${enrollment.pid}`, 'paused', 'patient');
  }

  async byStaff(pid: number, actor: string): Promise<DisconnectResult> {
    const enrollment = await this.enrollments.find(pid);
    const connection = await this.dataSource
      .getRepository(WearableConnection)
      .findOneBy({ enrollmentId: enrollment.id, disconnectedAt: IsNull() });
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
    const result = await inTransaction(this.dataSource, async (manager) => {
      const now = new Date();
      const found = await manager
        .getRepository(WearableConnection)
        .findOneBy({ enrollmentId: enrollment.id });
      const connection = found && (await this.tokens.lockConnection(manager, found.id));
      const revokedAtProvider = connection
        ? await this.revokeAtProvider(manager, connection)
        : false;
      if (connection) {
        await this.tokens.eraseTokens(manager, connection);
        connection.nextSyncAt = null;
        connection.disconnectedAt = connection.disconnectedAt ?? now;
        connection.disconnectTokenHash = null;
        await manager.getRepository(WearableConnection).save(connection);
      }
      const revokedInvitations =
        nextStatus === 'ended' ? await this.invitations.revokeOpen(manager, enrollment.id, now) : 0;
      await manager.getRepository(Enrollment).update(
        { id: enrollment.id },
        {
          status: nextStatus,
          updatedAt: now,
          ...(nextStatus === 'ended' ? { endedAt: now } : {}),
        },
      );
      const purged = retention === 'purge' ? await this.purge.run(manager, enrollment) : [];
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
        manager,
      );
      if (connection) {
        const event: WearableDisconnectedEvent = {
          pid,
          enrollmentId: enrollment.id,
          connectionId: connection.id,
          by,
        };
        await recordEvent(manager, WEARABLE_DISCONNECTED, event, now);
      }
      return { connectionId: connection?.id ?? null, revokedAtProvider };
    });
    if (result.connectionId !== null) this.events.emit(EVENTS_RECORDED);
    return { pid, revokedAtProvider: result.revokedAtProvider, retention };
  }

  /** Best effort: a failed revocation must not keep the patient's tokens in Vigil. */
  private async revokeAtProvider(
    manager: EntityManager,
    connection: WearableConnection,
  ): Promise<boolean> {
    const token = await this.tokens.refreshToken(manager, connection);
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
