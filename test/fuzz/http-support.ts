import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import type { LogCapture } from '../support/log-capture';
import { assertPrototypesClean, hostileJson } from './fuzz-support';

/** Rows per table, to prove a refused request wrote nothing. */
export async function rowCounts(dataSource: DataSource): Promise<Record<string, number>> {
  const tables: { name: string }[] = await dataSource.query(
    // throttle_counters counts every request, refused or not: that is rate limiting, not a write.
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'throttle_counters'",
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = (await dataSource.query(`SELECT COUNT(*) AS n FROM "${name}"`)) as {
      n: number;
    }[];
    counts[name] = Number(row.n);
  }
  return counts;
}

export interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as is (JSON text, or anything else). */
  body?: string;
}

export interface ProbeResult {
  status: number;
  location: string | null;
  text: string;
  json: unknown;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** Sends one request with a deadline: a hang is a failure, not a stuck test. */
export async function send(baseUrl: string, probe: Probe): Promise<ProbeResult> {
  const res = await fetch(`${baseUrl}${probe.path}`, {
    method: probe.method,
    headers: probe.headers,
    body: probe.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  }).catch((error: unknown) => {
    throw new Error(`${probe.method} ${probe.path} did not answer: ${String(error)}`);
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // pages and empty bodies are not JSON
  }
  return { status: res.status, location: res.headers.get('location'), text, json };
}

/**
 * The contract every answer keeps: never a 5xx; a refusal says why (JSON
 * `message` on the API, a page elsewhere) and writes nothing; nothing leaks
 * into Object.prototype.
 */
export async function expectCleanAnswer(
  dataSource: DataSource,
  baseUrl: string,
  probe: Probe,
  options: { mayWriteOnRefusal?: boolean; logs?: LogCapture } = {},
): Promise<ProbeResult> {
  const before = await rowCounts(dataSource);
  const result = await send(baseUrl, probe);
  const label = `${probe.method} ${probe.path.slice(0, 200)} -> ${result.status}`;
  if (result.status >= 500) {
    // The server's own account of the failure, found by the request id it answered with.
    const id = (result.json as { requestId?: string } | undefined)?.requestId;
    const logged = id ? (options.logs?.lines.filter((l) => l.includes(id)) ?? []) : [];
    throw new Error(`${label}: ${result.text.slice(0, 300)}\n${logged.join('\n').slice(0, 3000)}`);
  }
  if (result.status >= 400) {
    const message = (result.json as { message?: unknown } | undefined)?.message;
    const clear =
      typeof message === 'string'
        ? message.length > 0
        : /<html|<h1/i.test(result.text) || result.status === 413 || result.status === 431;
    if (!clear) throw new Error(`${label} without a message: ${result.text.slice(0, 200)}`);
    if (!options.mayWriteOnRefusal) {
      const after = await rowCounts(dataSource);
      const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
      if (changed.length > 0)
        throw new Error(`${label} was refused but wrote to ${changed.join(', ')}`);
    }
  }
  assertPrototypesClean(label);
  return result;
}

const words = [
  'pid',
  'program',
  'timeZone',
  'syncIntervalMinutes',
  'status',
  'days',
  'from',
  'to',
  'until',
  'minutes',
  'reason',
  'note',
  'params',
  'enabled',
  'id',
  'limit',
  'cursor',
  'username',
  'password',
  '_csrf',
  'next',
  'state',
  'code',
  'error',
  'date',
  'rule',
  'ruleId',
  'version',
  'severity',
  'channels',
  'page',
  'since',
  '__proto__',
  'constructor',
];
export const fieldName = fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 10 }));

export const scalar = fc.oneof(
  fc.integer(),
  fc.integer({ min: -5, max: 100_000 }),
  fc.double(),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1e309',
    'NaN',
    'null',
    'true',
    '2026-02-30',
    '9999-12-31',
    'America/New_York',
    'Not/AZone',
    'active',
    'paused',
    'ended',
    'provider',
    ' ',
    '\u0000',
    '%00',
    '../..',
  ),
  fc.constantFrom(null, true, false),
);

/** Bodies: anything JSON, or objects of plausible field names, or raw junk. */
export const body = fc.oneof(
  hostileJson.map((v) => JSON.stringify(v) ?? 'null'),
  fc
    .dictionary(fieldName, fc.oneof(scalar, hostileJson), { maxKeys: 6 })
    .map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('{', '[1,', '{"a":1}{', '"', '\u0000', '{"__proto__":{"polluted":1}}'),
);

/** Query strings, including repeats, brackets and pollution attempts. */
export const query = fc.oneof(
  fc
    .array(
      fc.tuple(
        fieldName,
        fc.oneof(scalar.map(String), fc.string({ unit: 'binary', maxLength: 20 })),
      ),
      {
        maxLength: 5,
      },
    )
    .map((pairs) => {
      const params = new URLSearchParams();
      for (const [k, v] of pairs) params.append(k, v);
      return params.toString();
    }),
  fc.constantFrom(
    '__proto__[polluted]=1',
    'constructor[prototype][polluted]=1',
    'a[]=1&a[]=2',
    'limit=1&limit=2',
    '%',
    '%E0%A4%A',
    'status[$ne]=x',
    `cursor=${'9'.repeat(400)}`,
  ),
);

/** Values for `:id`, `:pid`, `:token`...: numbers out of range, junk, encoded traversal. */
export const pathParam = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom(
    '1',
    '0',
    '-1',
    '2',
    '3',
    '999999999999999999999',
    '1e3',
    '0x10',
    'NaN',
    'abc',
    '__proto__',
    'constructor',
    '%00',
    '%2e%2e',
    '..',
    '%E0%A4%A',
    'x'.repeat(600),
    'A'.repeat(43),
    'low-steps',
    'resting-hr-rise',
    'a%2Fb',
  ),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
);
