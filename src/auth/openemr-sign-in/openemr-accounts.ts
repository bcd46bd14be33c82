import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../../audit/audit-trail';
import { Transactions } from '../../database/transactions';
import type { StaffRole } from '../roles';
import { StaffUser } from '../staff-user.entity';
import { StaffUserRepository } from '../staff-user.repository';
import type { OpenEmrIdentity } from './id-token';

export type AccountOutcome =
  { ok: true; user: StaffUser } | { ok: false; refusal: 'account-conflict' | 'disabled' };

/**
 * The local `staff_users` row of a person who signs in through OpenEMR: made
 * on first sign-in, its role refreshed on every one. The row is keyed by the
 * OpenEMR user's uuid, so a username later given to someone else in OpenEMR
 * never inherits a former colleague's account, and a local (password)
 * account is never taken over by an OpenEMR user of the same name.
 */
@Injectable()
export class OpenEmrAccounts {
  constructor(
    private readonly transactions: Transactions,
    private readonly users: StaffUserRepository,
    private readonly audit: AuditTrail,
  ) {}

  async upsert(
    identity: OpenEmrIdentity,
    role: StaffRole,
    now = new Date(),
  ): Promise<AccountOutcome> {
    return this.transactions.run(async (transaction) => {
      const bySubject = await this.users.byExternalSubject(identity.subject, transaction);
      const byName = await this.users.byUsername(identity.username, transaction);
      // The username belongs to another row: a local account, or another OpenEMR user.
      const taken =
        byName !== null &&
        (bySubject
          ? byName.id !== bySubject.id
          : byName.source !== 'openemr' || byName.externalSubject !== null);
      if (taken) return { ok: false, refusal: 'account-conflict' } as const;
      const existing = bySubject ?? byName;
      if (!existing) {
        const user = await this.users.create(
          {
            username: identity.username,
            role,
            source: 'openemr',
            externalSubject: identity.subject,
            passwordHash: null,
            createdAt: now,
            disabledAt: null,
          },
          transaction,
        );
        await this.audit.record(
          {
            actor: `user:${identity.username}`,
            action: 'user.created',
            subjectType: 'staff_user',
            subjectId: user.id,
            details: { username: identity.username, role, source: 'openemr' },
          },
          transaction,
        );
        return { ok: true, user } as const;
      }
      if (existing.disabledAt) return { ok: false, refusal: 'disabled' } as const;
      const changes: Partial<StaffUser> = {};
      if (existing.role !== role) changes.role = role;
      if (existing.username !== identity.username) changes.username = identity.username;
      if (existing.externalSubject !== identity.subject) changes.externalSubject = identity.subject;
      if (Object.keys(changes).length > 0) {
        await this.users.update(existing.id, changes, transaction);
        await this.audit.record(
          {
            actor: `user:${identity.username}`,
            action: 'user.updated_from_openemr',
            subjectType: 'staff_user',
            subjectId: existing.id,
            details: {
              ...(changes.role ? { role: { from: existing.role, to: role } } : {}),
              ...(changes.username
                ? { username: { from: existing.username, to: identity.username } }
                : {}),
            },
          },
          transaction,
        );
      }
      return { ok: true, user: { ...existing, ...changes } } as const;
    });
  }
}
