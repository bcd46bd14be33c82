import { ConflictException, Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { Transaction, Transactions } from '../database/transactions';
import { Enrollment } from '../patients/enrollment.entity';
import { EnrollmentRepository } from '../patients/enrollment.repository';
import { Enrollments } from '../patients/enrollments';
import { Delivered, InvitationDelivery } from './invitation-delivery';
import { Invitation } from './invitation.entity';
import { InvitationRepository } from './invitation.repository';
import { OAuthAttempt } from './oauth-attempt.entity';
import { hashLinkToken, looksLikeLinkToken, newLinkToken, sameHash } from './link-tokens';

const DAY_MS = 24 * 60 * 60_000;

export interface IssuedInvitation {
  /** The link to give the patient; shown once, only its hash is kept. */
  url: string;
  expiresAt: Date;
  delivered: Delivered;
}

/** An invitation as staff see it: when it was made and what became of it, never the link. */
export type InvitationSummary = Pick<
  Invitation,
  'createdAt' | 'createdBy' | 'expiresAt' | 'usedAt' | 'revokedAt'
>;

/** Why a link cannot be used, each with its own page. */
export type InvitationProblem = 'unknown' | 'used' | 'expired' | 'replaced' | 'ended';

export type InvitationCheck =
  | { ok: true; invitation: Invitation; enrollment: Enrollment }
  | { ok: false; problem: InvitationProblem };

/** Single-use, expiring links that let a patient consent; a new one replaces the old. */
@Injectable()
export class Invitations {
  constructor(
    private readonly transactions: Transactions,
    private readonly invitations: InvitationRepository,
    private readonly enrollmentRows: EnrollmentRepository,
    private readonly env: Environment,
    private readonly enrollments: Enrollments,
    private readonly audit: AuditTrail,
    private readonly delivery: InvitationDelivery,
  ) {}

  async invite(pid: number, actor: string): Promise<IssuedInvitation> {
    const enrollment = await this.enrollments.find(pid);
    if (enrollment.status === 'ended') {
      throw new ConflictException(
        `Monitoring of patient ${pid} has ended; enroll the patient again first`,
      );
    }
    const token = newLinkToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.env.INVITATION_TTL_DAYS * DAY_MS);
    await this.transactions.run(async (transaction) => {
      const replaced = await this.revokeOpen(transaction, enrollment.id, now);
      const invitation = await this.invitations.create(
        {
          enrollmentId: enrollment.id,
          tokenHash: hashLinkToken(token),
          createdAt: now,
          createdBy: actor,
          expiresAt,
          usedAt: null,
          revokedAt: null,
        },
        transaction,
      );
      await this.audit.record(
        {
          actor,
          action: 'invitation.created',
          subjectType: 'invitation',
          subjectId: invitation.id,
          pid,
          details: { expiresAt: expiresAt.toISOString(), replaced },
        },
        transaction,
      );
    });
    const url = `${this.env.publicBaseUrl}/connect/${token}`;
    const delivered = await this.delivery.invitation(pid, url, expiresAt);
    if (delivered.portal || delivered.email) {
      await this.audit.record({
        actor,
        action: 'invitation.delivered',
        subjectType: 'enrollment',
        subjectId: enrollment.id,
        pid,
        details: { ...delivered },
      });
    }
    return { url, expiresAt, delivered };
  }

  /** Each patient's latest invitation (never its link), by pid: for the enrollments page. */
  async latestByPatient(): Promise<Map<number, InvitationSummary>> {
    const latest = new Map<number, InvitationSummary>();
    for (const [pid, invitation] of await this.invitations.latestByPatient()) {
      const { createdAt, createdBy, expiresAt, usedAt, revokedAt } = invitation;
      latest.set(pid, { createdAt, createdBy, expiresAt, usedAt, revokedAt });
    }
    return latest;
  }

  /** Revokes every open invitation of an enrollment; returns how many. */
  revokeOpen(transaction: Transaction, enrollmentId: number, now: Date): Promise<number> {
    return this.invitations.revokeOpen(enrollmentId, now, transaction);
  }

  /** Whether a link token names a usable invitation, and if not, why. */
  async check(token: string | undefined, transaction?: Transaction): Promise<InvitationCheck> {
    if (!looksLikeLinkToken(token)) return { ok: false, problem: 'unknown' };
    const hash = hashLinkToken(token);
    const invitation = await this.invitations.byTokenHash(hash, transaction);
    if (!invitation || !sameHash(invitation.tokenHash, hash))
      return { ok: false, problem: 'unknown' };
    return this.checkInvitation(invitation, transaction);
  }

  /** The invitation an OAuth attempt was started from, checked again at callback time. */
  async checkAttempt(attempt: OAuthAttempt, transaction?: Transaction): Promise<InvitationCheck> {
    const invitation = await this.invitations.byId(attempt.invitationId, transaction);
    return invitation
      ? this.checkInvitation(invitation, transaction)
      : { ok: false, problem: 'unknown' };
  }

  private async checkInvitation(
    invitation: Invitation,
    transaction?: Transaction,
  ): Promise<InvitationCheck> {
    const enrollment = await this.enrollmentRows.byId(invitation.enrollmentId, transaction);
    if (!enrollment || enrollment.status === 'ended') return { ok: false, problem: 'ended' };
    if (invitation.usedAt) return { ok: false, problem: 'used' };
    if (invitation.revokedAt) return { ok: false, problem: 'replaced' };
    if (invitation.expiresAt.getTime() <= Date.now()) return { ok: false, problem: 'expired' };
    return { ok: true, invitation, enrollment };
  }
}
