/**
 * Strips secrets and health data from anything about to be logged. Logs leave
 * the clinic's control (log shippers, support tickets), so they must never carry
 * a token, a password, a cookie or a patient's measurements.
 */
const REDACTED = '[redacted]';
const HEALTH = '[health data]';

/** Keys whose values are secret whatever they look like. */
const SECRET_KEY =
  /authorization|cookie|token|secret|password|passwd|api[-_]?key|code_verifier|verifier|^code$|^state$|credential|session|encryption_keys/i;

/** Token-shaped values that must not survive even under an innocent key. */
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\bBasic\s+[A-Za-z0-9+/=]{8,}/gi,
  /\bvgl_[A-Za-z0-9_-]{8,}/g,
  /\bya29\.[A-Za-z0-9._-]+/g,
  /\b1\/\/[A-Za-z0-9._-]{10,}/g,
  /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
  /\bv1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/g,
];

/** Marks a value as health data so the logger never prints it. */
export class HealthData<T = unknown> {
  constructor(readonly value: T) {}
  toJSON(): string {
    return HEALTH;
  }
  toString(): string {
    return HEALTH;
  }
}

export const healthData = <T>(value: T): HealthData<T> => new HealthData(value);

export function redactText(text: string): string {
  let out = text;
  for (const pattern of SECRET_VALUE_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/**
 * Path segments long and random enough to be a token (consent links, webhook
 * ids) are masked; query strings are dropped because OAuth puts codes there.
 */
export function redactUrl(url: string): string {
  const path = url.split('?')[0];
  return (
    path
      .split('/')
      // Percent-escapes count too: a token pasted with '+' or '/' arrives as %2B or %2F.
      .map((segment) => (/^[A-Za-z0-9_~.%+-]{20,}$/.test(segment) ? REDACTED : redactText(segment)))
      .join('/')
  );
}

export function redact(value: unknown, depth = 0): unknown {
  if (value instanceof HealthData) return HEALTH;
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[nested]';
  if (value instanceof Error) return redactError(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redact(inner, depth + 1);
  }
  return out;
}

export function redactError(error: Error): Record<string, unknown> {
  return {
    name: error.name,
    message: redactText(error.message),
    stack: error.stack ? redactText(error.stack) : undefined,
  };
}
