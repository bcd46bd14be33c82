import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditTrail } from '../../audit/audit-trail';
import { inTransaction } from '../../database/transactions';
import type { StaffRole } from '../roles';
import { StaffUser } from '../staff-user.entity';
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
    private readonly dataSource: DataSource,
    private readonly audit: AuditTrail,
  ) {}

  async upsert(
    identity: OpenEmrIdentity,
    role: StaffRole,
    now = new Date(),
  ): Promise<AccountOutcome> {
    return inTransaction(this.dataSource, async (manager) => {
      const users = manager.getRepository(StaffUser);
      const bySubject = await users.findOneBy({ externalSubject: identity.subject });
      const byName = await users.findOneBy({ username: identity.username });
      // The username belongs to another row: a local account, or another OpenEMR user.
      const taken =
        byName !== null &&
        (bySubject
          ? byName.id !== bySubject.id
          : byName.source !== 'openemr' || byName.externalSubject !== null);
      if (taken) return { ok: false, refusal: 'account-conflict' } as const;
      const existing = bySubject ?? byName;
      if (!existing) {
        const user = await users.save(
          users.create({
            username: identity.username,
            role,
            source: 'openemr',
            externalSubject: identity.subject,
            passwordHash: null,
            createdAt: now,
            disabledAt: null,
          }),
        );
        await this.audit.record(
          {
            actor: `user:${identity.username}`,
            action: 'user.created',
            subjectType: 'staff_user',
            subjectId: user.id,
            details: { username: identity.username, role, source: 'openemr' },
          },
          manager,
        );
        return { ok: true, user } as const;
      }
      if (existing.disabledAt) return { ok: false, refusal: 'disabled' } as const;
      const changes: Partial<StaffUser> = {};
      if (existing.role !== role) changes.role = role;
      if (existing.username !== identity.username) changes.username = identity.username;
      if (existing.externalSubject !== identity.subject) changes.externalSubject = identity.subject;
      if (Object.keys(changes).length > 0) {
        await users.update({ id: existing.id }, changes);
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
          manager,
        );
      }
      return { ok: true, user: { ...existing, ...changes } } as const;
    });
  }
}
