import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { looksLikeSecret, randomSecret, sha256Hex } from '../crypto/tokens';
import { hashPassword, verifyPassword } from './passwords';
import type { StaffRole } from './roles';
import { StaffSession } from './staff-session.entity';
import { StaffSessionRepository } from './staff-session.repository';
import { StaffUser } from './staff-user.entity';
import { StaffUserRepository } from './staff-user.repository';
import { Transactions } from '../database/transactions';
import { ThrottleCounters } from '../http/throttle-counters.repository';

export const SESSION_COOKIE = 'vigil_session';
/** Failed sign-ins of one (username, address) are forgotten after an hour without one. */
const FORGET_FAILURES_AFTER_MS = 3_600_000;
const FREE_FAILURES = 3;
const LONGEST_HOLD_MS = 15 * 60_000;

/**
 * How long failed sign-ins of one (username, address) hold the next attempt
 * back: nothing for the first three (typos), then 2 s, 4 s, 8 s ... up to 15
 * minutes. Keyed by address as well, so a stranger elsewhere slows only
 * themselves and can never lock a staff member out.
 */
export const signInHoldMs = (failures: number): number =>
  failures <= FREE_FAILURES
    ? 0
    : Math.min(LONGEST_HOLD_MS, 1000 * 2 ** Math.min(failures - FREE_FAILURES, 20));

/** The CSRF token of a session: derived one-way from its secret cookie, so nothing extra is stored. */
export const csrfTokenFor = (sessionSecret: string): string =>
  createHash('sha256').update(`csrf:${sessionSecret}`).digest('base64url');

/**
 * One refusal for an unknown user, a wrong password and a held-back attempt
 * alike, so the answer tells a stranger nothing; the reason is for the audit.
 */
export type SignInResult =
  { ok: true; secret: string; user: StaffUser; expiresAt: Date } | { ok: false; reason: 'refused' };

export interface LiveSession {
  session: StaffSession;
  user: StaffUser;
}

/** A hash to spend time on when the username is unknown, so timing does not reveal which usernames exist. */
let decoyHash: Promise<string> | undefined;

@Injectable()
export class StaffSessions {
  constructor(
    private readonly transactions: Transactions,
    private readonly users: StaffUserRepository,
    private readonly sessions: StaffSessionRepository,
    private readonly audit: AuditTrail,
    private readonly env: Environment,
    private readonly throttle: ThrottleCounters,
  ) {}

  async createLocalUser(
    username: string,
    role: StaffRole,
    password: string,
    createdBy: string,
  ): Promise<StaffUser> {
    const passwordHash = await hashPassword(password);
    return this.transactions.run(async (transaction) => {
      const user = await this.users.create(
        {
          username,
          role,
          source: 'local',
          externalSubject: null,
          passwordHash,
          createdAt: new Date(),
          disabledAt: null,
        },
        transaction,
      );
      await this.audit.record(
        {
          actor: createdBy,
          action: 'user.created',
          subjectType: 'staff_user',
          subjectId: user.id,
          details: { username, role },
        },
        transaction,
      );
      return user;
    });
  }

  /**
   * Checks a local password. Every path costs one lookup and one scrypt
   * (against a decoy hash when the user is unknown or held back), and every
   * refusal is counted and audited, so neither answer nor timing tells
   * unknown users, wrong passwords and throttled attempts apart.
   */
  async signIn(
    username: string,
    password: string,
    address = 'unknown',
    now = new Date(),
  ): Promise<SignInResult> {
    const user = await this.users.enabledLocal(username);
    const heldUntil = await this.throttle.signInHeldUntil(username, address, now);
    const stored = user?.passwordHash && !heldUntil ? user.passwordHash : null;
    const matches = await verifyPassword(
      password,
      stored ?? (await (decoyHash ??= hashPassword('decoy password, never valid'))),
    );
    if (user && stored && matches) {
      await this.throttle.clearSignInFailures(username, address);
      return { ok: true, ...(await this.open(user, now, address)) };
    }
    const reason = !user?.passwordHash
      ? 'unknown_user'
      : heldUntil
        ? 'held_back'
        : 'wrong_password';
    // Held-back attempts count too: the same work on every path, and hammering only lengthens the hold.
    const failures = await this.throttle.recordSignInFailure(
      username,
      address,
      now,
      FORGET_FAILURES_AFTER_MS,
      signInHoldMs,
    );
    await this.audit.record({
      // An unknown username may be a mistyped password: it is not recorded.
      actor: user ? `user:${username}` : 'anonymous',
      action: 'sign_in.failed',
      subjectType: 'staff_user',
      subjectId: user?.id ?? null,
      details: { reason, address, failures },
    });
    return { ok: false, reason: 'refused' };
  }

  /** A fresh session for a user; never reuses an id the browser brought (no fixation). */
  async open(
    user: StaffUser,
    now = new Date(),
    address?: string,
  ): Promise<{ secret: string; user: StaffUser; expiresAt: Date }> {
    const secret = randomSecret();
    const expiresAt = new Date(now.getTime() + this.env.SESSION_HOURS * 3_600_000);
    await this.transactions.run(async (transaction) => {
      await this.sessions.create(
        {
          sessionHash: sha256Hex(secret),
          userId: user.id,
          createdAt: now,
          expiresAt,
          revokedAt: null,
        },
        transaction,
      );
      await this.audit.record(
        {
          actor: `user:${user.username}`,
          action: 'sign_in',
          subjectType: 'staff_user',
          subjectId: user.id,
          ...(address ? { details: { address } } : {}),
        },
        transaction,
      );
    });
    return { secret, user, expiresAt };
  }

  /** The live session behind a cookie value, or null when unknown, expired, revoked or disabled. */
  async resolve(secret: string, now = new Date()): Promise<LiveSession | null> {
    if (!looksLikeSecret(secret)) return null;
    const session = await this.sessions.unrevokedByHash(sha256Hex(secret));
    if (!session || session.expiresAt <= now) return null;
    const user = await this.users.enabledById(session.userId);
    return user ? { session, user } : null;
  }

  async revoke(session: StaffSession, actor: string): Promise<void> {
    await this.sessions.markRevoked(session.id, new Date());
    await this.audit.record({
      actor,
      action: 'sign_out',
      subjectType: 'staff_session',
      subjectId: session.id,
    });
  }
}
