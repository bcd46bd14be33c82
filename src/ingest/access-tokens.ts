import { Injectable } from '@nestjs/common';
import { ConnectionRepository } from '../wearables/connection.repository';
import { ConnectionTokens } from '../wearables/connection-tokens';
import type { WearableConnection } from '../wearables/wearable-connection.entity';

/** What reading data needs from token upkeep: a token, and a fresh one when Google refused it. */
export abstract class AccessTokenSource {
  /** `known`: the connection's row as the caller just read it, so it is not read again. */
  abstract accessToken(connectionId: number, known?: WearableConnection): Promise<string>;
  /** Google answered 401 to the current token: get a new one (once per request). */
  abstract refreshAfterUnauthorized(connectionId: number): Promise<string>;
}

/**
 * Binds ingestion to consent's {@link ConnectionTokens}. A 401 means Google
 * stopped honouring the token before its stated expiry (revoked or rotated):
 * marking it expired makes the next call refresh it, single-flight as always.
 */
@Injectable()
export class ConnectionAccessTokens extends AccessTokenSource {
  constructor(
    private readonly tokens: ConnectionTokens,
    private readonly connections: ConnectionRepository,
  ) {
    super();
  }

  accessToken(connectionId: number, known?: WearableConnection): Promise<string> {
    return this.tokens.accessToken(connectionId, known);
  }

  async refreshAfterUnauthorized(connectionId: number): Promise<string> {
    await this.connections.markAccessExpired(connectionId);
    return this.tokens.accessToken(connectionId);
  }
}
