import { DailyAggregateRow } from '../aggregates/daily-aggregate.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { ApiToken } from '../auth/api-token.entity';
import { StoredSecret } from '../crypto/stored-secret.entity';

/** Every entity, listed once for Nest, the CLI and the TypeORM CLI. */
export const ENTITIES = [ApiToken, AuditEvent, StoredSecret, DailyAggregateRow];
