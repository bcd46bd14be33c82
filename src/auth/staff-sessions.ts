import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { looksLikeSecret, randomSecret, sha256Hex } from '../crypto/tokens';
import { hashPassword, verifyPassword } from './passwords';
import type { StaffRole } from './roles';
import { StaffSession } from './staff-session.entity';
import { StaffUser } from './staff-user.entity';
import { inTransaction } from '../database/transactions';

export const SESSION_COOKIE = 'vigil_session';
const LOCK_AFTER_FAILURES = 5;
const LOCK_MINUTES = 15;

/** The CSRF token of a session: derived one-way from its secret cookie, so nothing extra is stored. */
export const csrfTokenFor = (sessionSecret: string): string =>
  createHash('sha256').update(`csrf:${sessionSecret}`).digest('base64url');

export type SignInResult =
  | { ok: true; secret: string; user: StaffUser; expiresAt: Date }
  | { ok: false; reason: 'wrong_credentials' }
  | { ok: false; reason: 'locked'; until: Date };

export interface LiveSession {
  session: StaffSession;
  user: StaffUser;
}

/** A hash to spend time on when the username is unknown, so timing does not reveal which usernames exist. */
let decoyHash: Promise<string> | undefined;

@Injectable()
export class StaffSessions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditTrail,
    private readonly env: Environment,
  ) {}

  async createLocalUser(
    username: string,
    role: StaffRole,
    password: string,
    createdBy: string,
  ): Promise<StaffUser> {
    return inTransaction(this.dataSource, async (manager) => {
      const user = await manager.getRepository(StaffUser).save({
        username,
        role,
        source: 'local',
        passwordHash: await hashPassword(password),
        failedSignIns: 0,
        lockedUntil: null,
        createdAt: new Date(),
        disabledAt: null,
      });
      await this.audit.record(
        {
          actor: createdBy,
          action: 'user.created',
          subjectType: 'staff_user',
          subjectId: user.id,
          details: { username, role },
        },
        manager,
      );
      return user;
    });
  }

  async signIn(username: string, password: string, now = new Date()): Promise<SignInResult> {
    const users = this.dataSource.getRepository(StaffUser);
    const user = await users.findOneBy({ username, source: 'local', disabledAt: IsNull() });
    if (!user?.passwordHash) {
      await verifyPassword(
        password,
        await (decoyHash ??= hashPassword('decoy password, never valid')),
      );
      return { ok: false, reason: 'wrong_credentials' };
    }
    if (user.lockedUntil && user.lockedUntil > now)
      return { ok: false, reason: 'locked', until: user.lockedUntil };
    if (!(await verifyPassword(password, user.passwordHash))) {
      const failures = user.failedSignIns + 1;
      const locked = failures >= LOCK_AFTER_FAILURES;
      const until = new Date(now.getTime() + LOCK_MINUTES * 60_000);
      await users.update(
        { id: user.id },
        { failedSignIns: locked ? 0 : failures, lockedUntil: locked ? until : null },
      );
      await this.audit.record({
        actor: `user:${username}`,
        action: locked ? 'sign_in.locked' : 'sign_in.failed',
        subjectType: 'staff_user',
        subjectId: user.id,
      });
      return locked
        ? { ok: false, reason: 'locked', until }
        : { ok: false, reason: 'wrong_credentials' };
    }
    await users.update({ id: user.id }, { failedSignIns: 0, lockedUntil: null });
    return { ok: true, ...(await this.open(user, now)) };
  }

  /** A fresh session for a user; never reuses an id the browser brought (no fixation). */
  async open(
    user: StaffUser,
    now = new Date(),
  ): Promise<{ secret: string; user: StaffUser; expiresAt: Date }> {
    const secret = randomSecret();
    const expiresAt = new Date(now.getTime() + this.env.SESSION_HOURS * 3_600_000);
    await inTransaction(this.dataSource, async (manager) => {
      await manager.getRepository(StaffSession).insert({
        sessionHash: sha256Hex(secret),
        userId: user.id,
        createdAt: now,
        expiresAt,
        revokedAt: null,
      });
      await this.audit.record(
        {
          actor: `user:${user.username}`,
          action: 'sign_in',
          subjectType: 'staff_user',
          subjectId: user.id,
        },
        manager,
      );
    });
    return { secret, user, expiresAt };
  }

  /** The live session behind a cookie value, or null when unknown, expired, revoked or disabled. */
  async resolve(secret: string, now = new Date()): Promise<LiveSession | null> {
    if (!looksLikeSecret(secret)) return null;
    const session = await this.dataSource
      .getRepository(StaffSession)
      .findOneBy({ sessionHash: sha256Hex(secret), revokedAt: IsNull() });
    if (!session || session.expiresAt <= now) return null;
    const user = await this.dataSource
      .getRepository(StaffUser)
      .findOneBy({ id: session.userId, disabledAt: IsNull() });
    return user ? { session, user } : null;
  }

  async revoke(session: StaffSession, actor: string): Promise<void> {
    await this.dataSource
      .getRepository(StaffSession)
      .update({ id: session.id }, { revokedAt: new Date() });
    await this.audit.record({
      actor,
      action: 'sign_out',
      subjectType: 'staff_session',
      subjectId: session.id,
    });
  }
}
