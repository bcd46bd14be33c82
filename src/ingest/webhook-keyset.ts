import { Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { Environment } from '../config/environment';
import { parseTinkKeyset } from '../wearables/google-health/webhook-signature';

/** Refetching for an unknown key id at most this often, so forged ids cannot hammer Google. */
const REFETCH_AFTER_MS = 30_000;

/** Google's webhook signing keys, cached; fetched again when a signature names an unknown key. */
@Injectable()
export class WebhookKeyset {
  private keys = new Map<number, KeyObject>();
  private fetchedAt = 0;
  private fetching: Promise<void> | null = null;
  /** Refetch throttle for unknown key ids (tests set 0). */
  refetchAfterMs = REFETCH_AFTER_MS;

  constructor(private readonly env: Environment) {}

  async key(keyId: number): Promise<KeyObject | undefined> {
    const known = this.keys.get(keyId);
    if (known) return known;
    // Notifications arriving while a fetch is under way wait for it rather than being throttled.
    if (!this.fetching && Date.now() - this.fetchedAt < this.refetchAfterMs) return undefined;
    await (this.fetching ??= this.refetch().finally(() => (this.fetching = null)));
    return this.keys.get(keyId);
  }

  private async refetch(): Promise<void> {
    const url = this.env.GOOGLE_HEALTH_WEBHOOK_KEYSET_URL;
    if (!url) return;
    this.fetchedAt = Date.now();
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`The webhook keyset answered ${response.status}`);
    this.keys = parseTinkKeyset(await response.json());
  }
}
