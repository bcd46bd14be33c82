import { Injectable } from '@nestjs/common';

export interface ReadinessResult {
  ok: boolean;
  /** Short, non-sensitive detail such as a backlog count. */
  detail?: Record<string, unknown>;
}

export type ReadinessCheck = () => Promise<ReadinessResult>;

/** Features register what they depend on; /health/ready asks all of them. */
@Injectable()
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private draining = false;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Called at shutdown: a load balancer stops sending new work before we stop. */
  markDraining(): void {
    this.draining = true;
  }

  async report(
    timeoutMs = 3000,
  ): Promise<{ ok: boolean; checks: Record<string, ReadinessResult> }> {
    const entries = await Promise.all(
      [...this.checks].map(
        async ([name, check]) => [name, await withTimeout(check, timeoutMs)] as const,
      ),
    );
    const checks = Object.fromEntries(entries);
    if (this.draining) checks.shutdown = { ok: false, detail: { reason: 'shutting down' } };
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  }
}

async function withTimeout(check: ReadinessCheck, ms: number): Promise<ReadinessResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check(),
      new Promise<ReadinessResult>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, detail: { reason: `no answer within ${ms} ms` } }),
          ms,
        );
      }),
    ]);
  } catch (error) {
    return { ok: false, detail: { reason: error instanceof Error ? error.name : 'failed' } };
  } finally {
    clearTimeout(timer);
  }
}
