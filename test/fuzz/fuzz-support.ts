import fc from 'fast-check';

/**
 * Bounded fuzzing: FUZZ_RUNS scales every target's case count (1 = the CI
 * default, e.g. 10 for a long local run), and each property also stops at its
 * time budget, so `npm run test:fuzz` stays under a minute.
 */
export function runs(base: number): number {
  const scale = Number(process.env.FUZZ_RUNS ?? '1');
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

export const fuzzParameters = (base: number, budgetMs: number): fc.Parameters<unknown> => ({
  numRuns: runs(base),
  interruptAfterTimeLimit: budgetMs * Math.max(1, Number(process.env.FUZZ_RUNS ?? '1')),
  markInterruptAsFailure: false,
  seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
  endOnFailure: true,
});

/**
 * Runs a property within its case and time budget, prints how many cases ran
 * ("fuzz <name>: N cases") and fails when fewer than `floor` ran: a time budget
 * eaten by a slow machine must not pass as a fuzz run.
 */
export async function fuzz<Ts>(
  name: string,
  property: fc.IRawProperty<Ts>,
  budget: { runs: number; ms: number; floor: number },
): Promise<number> {
  const details = await fc.check(
    property,
    fuzzParameters(budget.runs, budget.ms) as fc.Parameters<Ts>,
  );
  const executed = details.numRuns;
  process.stderr.write(
    `fuzz ${name}: ${executed} cases${details.interrupted ? ' (time budget reached)' : ''}\n`,
  );
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : '';
    throw new Error(`${fc.defaultReportMessage(details) ?? `${name} failed`}\n${cause}`);
  }
  if (executed < budget.floor)
    throw new Error(`fuzz ${name}: only ${executed} cases ran, below the floor of ${budget.floor}`);
  return executed;
}

/** Counts the cases each target really tried (a time budget can cut a run short). */
export class CaseCounter {
  private readonly counts = new Map<string, number>();
  private readonly outcomes = new Map<string, Map<string, number>>();
  hit(target: string): void {
    this.counts.set(target, (this.counts.get(target) ?? 0) + 1);
  }
  /** What the cases ended in (HTTP status, sync outcome), so a run that only hit 401s shows. */
  outcome(target: string, outcome: string | number): void {
    const byOutcome = this.outcomes.get(target) ?? new Map<string, number>();
    byOutcome.set(String(outcome), (byOutcome.get(String(outcome)) ?? 0) + 1);
    this.outcomes.set(target, byOutcome);
  }
  get(target: string): number {
    return this.counts.get(target) ?? 0;
  }
  /** One summary line per target, on stderr so Jest shows it as is. */
  report(suite: string): void {
    for (const [target, n] of this.counts) {
      const seen = [...(this.outcomes.get(target) ?? [])]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([outcome, count]) => `${outcome} x${count}`)
        .join(', ');
      process.stderr.write(`fuzz ${suite} / ${target}: ${n} cases${seen ? ` (${seen})` : ''}\n`);
    }
  }
}

const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
const ARRAY_KEYS = Object.getOwnPropertyNames(Array.prototype).sort();

/** Throws if any input managed to write through `__proto__`/`constructor.prototype`. */
export function assertPrototypesClean(context: string): void {
  const probe = {} as Record<string, unknown>;
  const added = [
    ...Object.getOwnPropertyNames(Object.prototype).filter((k) => !PROTOTYPE_KEYS.includes(k)),
    ...Object.getOwnPropertyNames(Array.prototype).filter((k) => !ARRAY_KEYS.includes(k)),
  ];
  if (probe.polluted !== undefined || added.length > 0)
    throw new Error(`Prototype polluted after ${context}: ${added.join(', ') || 'polluted'}`);
}

const POISON_KEYS = ['__proto__', 'constructor', 'prototype'];

/** JSON values whose objects often carry `__proto__`, `constructor` or `prototype` keys. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1e308, -0, '', '0', '1e3', 'NaN', 'true', 'null'),
    fc.double({ noNaN: true }),
    fc.integer(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 6 }),
    tie('object'),
  ),
  object: fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...POISON_KEYS), fc.string({ unit: 'binary', maxLength: 12 })),
        tie('value'),
      ),
      { maxLength: 6 },
    )
    .map((entries) => {
      // Own properties even for "__proto__", as JSON.parse makes them.
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries)
        Object.defineProperty(out, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    }),
})).value;

/** Pollution payloads sent as raw JSON text, the way an attacker would. */
export const POLLUTION_TEXTS: readonly string[] = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"a":{"__proto__":{"polluted":"yes"}},"b":[{"__proto__":{"polluted":1}}]}',
  '{"params":{"__proto__":{"polluted":"yes"}}}',
  '{"conditions":{"all":[{"__proto__":{"polluted":"yes"},"fact":"window"}]}}',
];

/** Nested `depth` levels deep: `{"all":[{"all":[...]}]}` or arrays. */
export function deepNesting(depth: number, kind: 'rule' | 'array' | 'object'): string {
  if (kind === 'array') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
  if (kind === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return `{"conditions":${'{"all":['.repeat(depth)}${']}'.repeat(depth)}}`;
}
