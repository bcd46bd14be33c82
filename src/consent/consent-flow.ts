import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AuditTrail, CONNECTION_CHANGES } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { SecretStore } from '../crypto/secret-store';
import { Transaction, Transactions } from '../database/transactions';
import { JsonLogger } from '../logging/json-logger';
import { Enrollment } from '../patients/enrollment.entity';
import { EnrollmentRepository } from '../patients/enrollment.repository';
import { ConnectionRepository } from '../wearables/connection.repository';
import { ConnectionTokens } from '../wearables/connection-tokens';
import { SyncSchedule } from '../ingest/sync-schedule';
import { createPkce } from '../wearables/google-health/authorization';
import { grantedScopes, grantsAnyData } from '../wearables/google-health/scopes';
import { WearableConnection } from '../wearables/wearable-connection.entity';
import {
  InvalidGrantError,
  TokenGrant,
  WEARABLE_SOURCE,
  WearableAccount,
  WearableSource,
} from '../wearables/wearable-source';
import { WEARABLE_CONNECTED, WearableConnectionEvent } from '../events/contracts';
import { InvitationDelivery } from './invitation-delivery';
import { InvitationRepository } from './invitation.repository';
import { InvitationProblem, Invitations } from './invitations';
import { hashLinkToken, looksLikeLinkToken, newLinkToken, sameHash } from './link-tokens';
import { OAuthAttempt } from './oauth-attempt.entity';
import { OAuthAttemptRepository } from './oauth-attempt.repository';

/** Long enough to sign in to Google on a phone, short enough that a leaked state is stale. */
const ATTEMPT_LIFETIME_MS = 15 * 60_000;

export type StartOutcome =
  | { ok: true; redirectUrl: string; browserNonce: string }
  | { ok: false; problem: InvitationProblem | 'not-configured' };

export interface CallbackInput {
  state?: string;
  code?: string;
  error?: string;
  /** The consent cookie set when the attempt started in this browser. */
  browserNonce?: string;
}

/** Each way a callback can end; every rejection happens before any change is written. */
export type CallbackOutcome =
  | { kind: 'connected'; pid: number; scopes: string[]; disconnectToken: string }
  /** The callback was opened again after it connected: the patient is told what is shared now. */
  | { kind: 'still-connected'; pid: number; scopes: string[] }
  | {
      kind:
        | 'missing-state'
        | 'unknown-state'
        | 'replayed'
        | 'expired'
        | 'wrong-browser'
        | 'missing-code'
        // Google refused the code (invalid_grant: a PKCE mismatch or a used code); only a fresh start helps.
        | 'code-refused';
    }
  | { kind: 'declined' }
  | { kind: 'invitation'; problem: InvitationProblem }
  | { kind: 'nothing-granted' }
  | { kind: 'account-in-use' }
  | { kind: 'provider-failed' };

/**
 * The patient's trip through Google's consent screen: start (PKCE, state bound
 * to the invitation and this browser) and callback (checks, code exchange,
 * identity and settings, sealed tokens, active enrollment, first backfill queued).
 */
@Injectable()
export class ConsentFlow {
  constructor(
    private readonly transactions: Transactions,
    private readonly attempts: OAuthAttemptRepository,
    private readonly invitationRows: InvitationRepository,
    private readonly enrollments: EnrollmentRepository,
    private readonly connections: ConnectionRepository,
    private readonly env: Environment,
    private readonly invitations: Invitations,
    private readonly secrets: SecretStore,
    private readonly tokens: ConnectionTokens,
    private readonly schedule: SyncSchedule,
    private readonly audit: AuditTrail,
    private readonly delivery: InvitationDelivery,
    private readonly events: EventEmitter2,
    private readonly logger: JsonLogger,
    @Inject(WEARABLE_SOURCE) private readonly source: WearableSource,
  ) {}

  /** What the consent page lists, in the order Google will show it. */
  get requestedScopes(): readonly string[] {
    return this.source.requestedScopes;
  }

  async start(invitationToken: string): Promise<StartOutcome> {
    if (!this.env.googleClientConfigured) return { ok: false, problem: 'not-configured' };
    const check = await this.invitations.check(invitationToken);
    if (!check.ok) return check;
    const state = newLinkToken();
    const browserNonce = newLinkToken();
    const pkce = createPkce();
    const now = new Date();
    await this.transactions.run(async (transaction) => {
      // Earlier unfinished attempts of this invitation can no longer complete, and
      // abandoned ones elsewhere should not keep their sealed verifiers forever.
      const stale = await this.attempts.unfinished(check.invitation.id, now, 100, transaction);
      for (const attempt of stale) {
        if (attempt.verifierSecretId !== null) {
          await this.secrets.erase(attempt.verifierSecretId, transaction);
        }
        await this.attempts.markUsed(attempt.id, now, transaction);
      }
      await this.attempts.create(
        {
          invitationId: check.invitation.id,
          stateHash: hashLinkToken(state),
          browserHash: hashLinkToken(browserNonce),
          verifierSecretId: await this.secrets.save(
            'google-pkce-verifier',
            pkce.verifier,
            transaction,
          ),
          createdAt: now,
          expiresAt: new Date(now.getTime() + ATTEMPT_LIFETIME_MS),
          usedAt: null,
        },
        transaction,
      );
    });
    return {
      ok: true,
      redirectUrl: this.source.consentUrl({ state, codeChallenge: pkce.challenge }),
      browserNonce,
    };
  }

  async complete(input: CallbackInput): Promise<CallbackOutcome> {
    if (!input.state) return { kind: 'missing-state' };
    if (!looksLikeLinkToken(input.state)) return { kind: 'unknown-state' };
    const stateHash = hashLinkToken(input.state);
    const attempt = await this.attempts.byStateHash(stateHash);
    if (!attempt || !sameHash(attempt.stateHash, stateHash)) return { kind: 'unknown-state' };
    if (attempt.usedAt) return this.replayed(attempt);
    if (attempt.expiresAt.getTime() <= Date.now()) return { kind: 'expired' };
    if (
      !looksLikeLinkToken(input.browserNonce) ||
      !sameHash(attempt.browserHash, hashLinkToken(input.browserNonce))
    ) {
      return { kind: 'wrong-browser' };
    }
    if (input.error) {
      return input.error === 'access_denied' ? { kind: 'declined' } : { kind: 'provider-failed' };
    }
    if (!input.code) return { kind: 'missing-code' };
    const invitation = await this.invitations.checkAttempt(attempt);
    if (!invitation.ok) return { kind: 'invitation', problem: invitation.problem };

    const verifier = await this.claim(attempt);
    if (verifier === null) return { kind: 'replayed' };
    const { enrollment } = invitation;

    let grant: TokenGrant;
    let account: WearableAccount;
    try {
      grant = await this.source.exchangeCode(input.code, verifier);
      if (!grant.refreshToken) throw new Error('The token answer had no refresh token');
      const scopes = grantedScopes(grant.scopes.join(' '));
      if (!grantsAnyData(scopes)) {
        await this.audit.record({
          actor: `patient:${enrollment.pid}`,
          action: 'consent.nothing_granted',
          subjectType: 'enrollment',
          subjectId: enrollment.id,
          pid: Number(enrollment.pid),
          details: { granted: scopes },
        });
        return { kind: 'nothing-granted' };
      }
      account = await this.source.account(grant.accessToken, scopes);
    } catch (error) {
      this.logger.warn(
        `Consent for pid ${enrollment.pid} failed at the provider: ${error instanceof Error ? error.name : 'error'}`,
        'Consent',
      );
      await this.audit.record({
        actor: `patient:${enrollment.pid}`,
        action: 'consent.failed',
        subjectType: 'enrollment',
        subjectId: enrollment.id,
        pid: Number(enrollment.pid),
        details: { reason: error instanceof Error ? error.name : 'error' },
      });
      return error instanceof InvalidGrantError
        ? { kind: 'code-refused' }
        : { kind: 'provider-failed' };
    }
    return this.connect(
      enrollment,
      attempt,
      { ...grant, refreshToken: grant.refreshToken },
      account,
    );
  }

  /**
   * A used answer opened again (a refresh, the back button). When this attempt
   * is what connected the patient and they are still connected, the truth is
   * "you are connected, sharing X"; otherwise nothing new was shared.
   */
  private async replayed(attempt: OAuthAttempt): Promise<CallbackOutcome> {
    const invitation = await this.invitationRows.byId(attempt.invitationId);
    const enrollment = invitation?.usedAt && (await this.enrollments.byId(invitation.enrollmentId));
    const connection = enrollment && (await this.connections.ofEnrollment(enrollment.id));
    if (
      !enrollment ||
      !connection ||
      connection.refreshSecretId === null ||
      connection.connectedAt.getTime() < attempt.createdAt.getTime()
    ) {
      return { kind: 'replayed' };
    }
    return { kind: 'still-connected', pid: Number(enrollment.pid), scopes: connection.scopes };
  }

  /** Marks the attempt used exactly once (a concurrent replay loses) and hands back its verifier. */
  private async claim(attempt: OAuthAttempt): Promise<string | null> {
    return this.transactions.run(async (transaction) => {
      const claimed = await this.attempts.markUsed(attempt.id, new Date(), transaction);
      if (!claimed || attempt.verifierSecretId === null) return null;
      const verifier = await this.secrets.read(attempt.verifierSecretId, transaction);
      await this.secrets.erase(attempt.verifierSecretId, transaction);
      return verifier;
    });
  }

  private async connect(
    enrollment: Enrollment,
    attempt: OAuthAttempt,
    grant: TokenGrant & { refreshToken: string },
    account: WearableAccount,
  ): Promise<CallbackOutcome> {
    const scopes = grantedScopes(grant.scopes.join(' '));
    const disconnectToken = newLinkToken();
    const pid = Number(enrollment.pid);
    const outcome = await this.transactions.run(async (transaction) => {
      // One Google account belongs to one patient: never attach it to a second enrollment.
      const elsewhere = await this.connections.accountHeldElsewhere(
        this.source.provider,
        account.accountId,
        enrollment.id,
        transaction,
      );
      if (elsewhere) {
        await this.audit.record(
          {
            actor: `patient:${pid}`,
            action: 'consent.account_in_use',
            subjectType: 'enrollment',
            subjectId: enrollment.id,
            pid,
            details: { otherEnrollmentId: elsewhere.enrollmentId },
          },
          transaction,
        );
        return { kind: 'account-in-use' } as const;
      }
      // A newer invitation or the end of monitoring may have raced this callback.
      const invitation = await this.invitations.checkAttempt(attempt, transaction);
      if (!invitation.ok) return { kind: 'invitation', problem: invitation.problem } as const;

      const now = new Date();
      const connection =
        (await this.connections.ofEnrollment(enrollment.id, transaction)) ??
        Object.assign(new WearableConnection(), {
          enrollmentId: enrollment.id,
          refreshSecretId: null,
          accessSecretId: null,
          accessExpiresAt: null,
          refreshFailures: 0,
          refreshRetryAt: null,
          lastSyncAt: null,
          lastDeviceSyncAt: null,
        });
      // Another Google account replaces this one: its grant must not outlive the switch.
      const accountChanged = Boolean(
        connection.healthUserId && connection.healthUserId !== account.accountId,
      );
      const replacedToken = accountChanged
        ? await this.tokens.refreshToken(transaction, connection)
        : null;
      const timeZone = account.timeZone ?? enrollment.timeZone;
      await this.recordReconnectChanges(transaction, {
        pid,
        enrollment,
        accountChanged,
        previousConnectedAt: accountChanged ? connection.connectedAt : null,
        timeZone,
      });
      Object.assign(connection, {
        provider: this.source.provider,
        healthUserId: account.accountId,
        legacyUserId: account.legacyAccountId,
        grantedScopes: scopes.join(' '),
        disconnectTokenHash: hashLinkToken(disconnectToken),
        connectedAt: now,
        disconnectedAt: null,
      });
      await this.tokens.storeGrant(transaction, connection, grant);
      const saved = await this.connections.save(connection, transaction);
      // Due now: the scheduler picks it up for the first backfill.
      await this.schedule.startNow(saved.id, transaction);
      await this.enrollments.markConnected(enrollment.id, timeZone, now, transaction);
      await this.invitationRows.markUsed(attempt.invitationId, now, transaction);
      await this.audit.record(
        {
          actor: `patient:${pid}`,
          action: 'consent.granted',
          subjectType: 'wearable_connection',
          subjectId: saved.id,
          pid,
          details: { provider: saved.provider, scopes, timeZoneKnown: account.timeZone !== null },
        },
        transaction,
      );
      return { kind: 'connected', connectionId: saved.id, replacedToken } as const;
    });
    if (outcome.kind !== 'connected') return outcome;
    const event: WearableConnectionEvent = {
      pid,
      enrollmentId: enrollment.id,
      connectionId: outcome.connectionId,
    };
    this.events.emit(WEARABLE_CONNECTED, event);
    if (outcome.replacedToken) await this.revokeQuietly(outcome.replacedToken);
    await this.delivery.confirmation(
      pid,
      `${this.env.publicBaseUrl}/disconnect/${disconnectToken}`,
    );
    return { kind: 'connected', pid, scopes, disconnectToken };
  }

  /**
   * A reconnect that brings another Google account or another time zone
   * changes whose data and which days the charts show: staff see it on the
   * patient page (and a break in the charts), and the audit trail keeps it.
   */
  private async recordReconnectChanges(
    transaction: Transaction,
    change: {
      pid: number;
      enrollment: Enrollment;
      accountChanged: boolean;
      previousConnectedAt: Date | null;
      timeZone: string | null;
    },
  ): Promise<void> {
    const { pid, enrollment } = change;
    const entry = {
      actor: `patient:${pid}`,
      subjectType: 'enrollment',
      subjectId: enrollment.id,
      pid,
    };
    if (change.accountChanged) {
      await this.audit.record(
        {
          ...entry,
          action: CONNECTION_CHANGES.account,
          details: { previousConnectedAt: change.previousConnectedAt?.toISOString() ?? null },
        },
        transaction,
      );
    }
    if (enrollment.timeZone !== null && change.timeZone !== enrollment.timeZone) {
      await this.audit.record(
        {
          ...entry,
          action: CONNECTION_CHANGES.timeZone,
          details: { from: enrollment.timeZone, to: change.timeZone },
        },
        transaction,
      );
    }
  }

  private async revokeQuietly(token: string): Promise<void> {
    try {
      await this.source.revoke(token);
    } catch (error) {
      this.logger.warn(
        `Revoking a replaced grant failed: ${error instanceof Error ? error.name : 'error'}`,
        'Consent',
      );
    }
  }
}
