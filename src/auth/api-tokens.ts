import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { randomSecret, sha256Hex } from '../crypto/tokens';
import { ApiToken } from './api-token.entity';
import { ApiTokenRepository } from './api-token.repository';
import type { StaffRole } from './roles';
import { Transactions } from '../database/transactions';

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
    private readonly transactions: Transactions,
    private readonly tokens: ApiTokenRepository,
    private readonly audit: AuditTrail,
  ) {}

  async issue(role: StaffRole, name: string, issuedBy: string): Promise<IssuedToken> {
    const token = TOKEN_PREFIX + randomSecret();
    return this.transactions.run(async (transaction) => {
      const record = await this.tokens.create(
        {
          name,
          role,
          tokenHash: hashToken(token),
          tokenPrefix: token.slice(0, 10),
          createdAt: new Date(),
          createdBy: issuedBy,
          lastUsedAt: null,
          revokedAt: null,
        },
        transaction,
      );
      await this.audit.record(
        {
          actor: issuedBy,
          action: 'token.created',
          subjectType: 'api_token',
          subjectId: record.id,
          details: { role, name },
        },
        transaction,
      );
      return { token, record };
    });
  }

  /** The live token record for a presented token, or null. Records last use. */
  async authenticate(token: string): Promise<ApiToken | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
    const record = await this.tokens.liveByHash(hashToken(token));
    if (!record) return null;
    const now = new Date();
    if (
      !record.lastUsedAt ||
      now.getTime() - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS
    ) {
      await this.tokens.markUsed(record.id, now);
      record.lastUsedAt = now;
    }
    return record;
  }

  /** Revokes by id or by the printed prefix; false when nothing live matched. */
  async revoke(idOrPrefix: string, revokedBy: string): Promise<ApiToken | null> {
    const record = await this.tokens.liveByIdOrPrefix(
      /^\d+$/.test(idOrPrefix) ? { id: Number(idOrPrefix) } : { prefix: idOrPrefix },
    );
    if (!record) return null;
    await this.transactions.run(async (transaction) => {
      await this.tokens.markRevoked(record.id, new Date(), transaction);
      await this.audit.record(
        {
          actor: revokedBy,
          action: 'token.revoked',
          subjectType: 'api_token',
          subjectId: record.id,
        },
        transaction,
      );
    });
    return record;
  }

  list(): Promise<ApiToken[]> {
    return this.tokens.list();
  }
}
