import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail';
import { randomSecret, sha256Hex } from '../crypto/tokens';
import { ApiToken } from './api-token.entity';
import type { StaffRole } from './roles';
import { inTransaction } from '../database/transactions';

const TOKEN_PREFIX = 'vgl_';
/** Writing last-used on every request would turn reads into writes; once a minute is enough. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Tokens are 256 random bits, so a fast hash is enough. */
export const hashToken = sha256Hex;

export interface IssuedToken {
  /** Shown once; only its hash is stored. */
  token: string;
  record: ApiToken;
}

@Injectable()
export class ApiTokens {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditTrail,
  ) {}

  async issue(role: StaffRole, name: string, issuedBy: string): Promise<IssuedToken> {
    const token = TOKEN_PREFIX + randomSecret();
    return inTransaction(this.dataSource, async (manager) => {
      const record = await manager.getRepository(ApiToken).save({
        name,
        role,
        tokenHash: hashToken(token),
        tokenPrefix: token.slice(0, 10),
        createdAt: new Date(),
        createdBy: issuedBy,
        lastUsedAt: null,
        revokedAt: null,
      });
      await this.audit.record(
        {
          actor: issuedBy,
          action: 'token.created',
          subjectType: 'api_token',
          subjectId: record.id,
          details: { role, name },
        },
        manager,
      );
      return { token, record };
    });
  }

  /** The live token record for a presented token, or null. Records last use. */
  async authenticate(token: string): Promise<ApiToken | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
    const repo = this.dataSource.getRepository(ApiToken);
    const record = await repo.findOneBy({ tokenHash: hashToken(token), revokedAt: IsNull() });
    if (!record) return null;
    const now = new Date();
    if (
      !record.lastUsedAt ||
      now.getTime() - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS
    ) {
      await repo.update({ id: record.id }, { lastUsedAt: now });
      record.lastUsedAt = now;
    }
    return record;
  }

  /** Revokes by id or by the printed prefix; false when nothing live matched. */
  async revoke(idOrPrefix: string, revokedBy: string): Promise<ApiToken | null> {
    const repo = this.dataSource.getRepository(ApiToken);
    const record = /^\d+$/.test(idOrPrefix)
      ? await repo.findOneBy({ id: Number(idOrPrefix), revokedAt: IsNull() })
      : await repo.findOneBy({ tokenPrefix: idOrPrefix, revokedAt: IsNull() });
    if (!record) return null;
    await inTransaction(this.dataSource, async (manager) => {
      await manager.getRepository(ApiToken).update({ id: record.id }, { revokedAt: new Date() });
      await this.audit.record(
        {
          actor: revokedBy,
          action: 'token.revoked',
          subjectType: 'api_token',
          subjectId: record.id,
        },
        manager,
      );
    });
    return record;
  }

  list(): Promise<ApiToken[]> {
    return this.dataSource.getRepository(ApiToken).find({ order: { id: 'ASC' } });
  }
}
