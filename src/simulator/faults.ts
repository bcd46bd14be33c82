/** Scripted failures: per user or global, for the next N matching requests or until cleared. */

export type FaultKind =
  | 'rate-limit'
  | 'server-error'
  | 'unavailable'
  | 'slow'
  | 'timeout'
  | 'malformed-json'
  | 'expired-page-token'
  | 'unauthenticated'
  | 'scope-insufficient';

export const FAULT_KINDS: readonly FaultKind[] = [
  'rate-limit',
  'server-error',
  'unavailable',
  'slow',
  'timeout',
  'malformed-json',
  'expired-page-token',
  'unauthenticated',
  'scope-insufficient',
];

/** `api` = the Health API under /v4; `token` = POST /token. */
export type FaultTarget = 'api' | 'token';

export interface FaultSpec {
  kind: FaultKind;
  target?: FaultTarget;
  /** Simulator user id (`sim-3`) or healthUserId; absent = every user. Token faults ignore it. */
  userId?: string;
  /** Only requests for this data type (e.g. `heart-rate`). */
  dataType?: string;
  /** Matching requests affected; absent = until cleared. */
  count?: number;
  /** rate-limit: value of `Retry-After` in seconds; absent = no header. */
  retryAfterSeconds?: number;
  /** slow: delay before the normal answer. */
  delayMs?: number;
}

export interface Fault extends FaultSpec {
  id: number;
  target: FaultTarget;
  /** Requests this fault has answered so far. */
  hits: number;
}

export class FaultError extends Error {}

export interface FaultRequest {
  target: FaultTarget;
  userId?: string;
  healthUserId?: string;
  dataType?: string;
  hasPageToken: boolean;
}

function optionalNonNegative(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new FaultError(`${name} must be a non-negative number`);
  }
  return value;
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new FaultError(`${name} must be a non-empty string`);
  return value;
}

/** Validates a fault received as JSON (admin endpoint). */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null) throw new FaultError('fault must be an object');
  const raw = input as Record<string, unknown>;
  if (!FAULT_KINDS.includes(raw.kind as FaultKind)) {
    throw new FaultError(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  if (raw.target !== undefined && raw.target !== 'api' && raw.target !== 'token') {
    throw new FaultError('target must be "api" or "token"');
  }
  return {
    kind: raw.kind as FaultKind,
    target: raw.target,
    userId: optionalString(raw.userId, 'userId'),
    dataType: optionalString(raw.dataType, 'dataType'),
    count: optionalNonNegative(raw.count, 'count'),
    retryAfterSeconds: optionalNonNegative(raw.retryAfterSeconds, 'retryAfterSeconds'),
    delayMs: optionalNonNegative(raw.delayMs, 'delayMs'),
  };
}

export class FaultInjector {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, target: spec.target ?? 'api', id: this.nextId++, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): readonly Fault[] {
    return this.faults;
  }

  remove(id: number): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((fault) => fault.id !== id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault matching the request, consumed by one use; oldest first. */
  take(request: FaultRequest): Fault | undefined {
    const fault = this.faults.find(
      (candidate) =>
        candidate.target === request.target &&
        (candidate.userId === undefined ||
          candidate.userId === request.userId ||
          candidate.userId === request.healthUserId) &&
        (candidate.dataType === undefined || candidate.dataType === request.dataType) &&
        (candidate.kind !== 'expired-page-token' || request.hasPageToken),
    );
    if (!fault) return undefined;
    fault.hits += 1;
    if (fault.count !== undefined && fault.hits >= fault.count) this.remove(fault.id);
    return fault;
  }
}
