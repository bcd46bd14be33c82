import fc from 'fast-check';
import { validateRule, validateRuleText } from '../../src/rules/validation/validate-rule';
import {
  assertPrototypesClean,
  CaseCounter,
  deepNesting,
  fuzz,
  hostileJson,
  POLLUTION_TEXTS,
} from './fuzz-support';
import { mutateRule, ruleTrees, validRule } from './rule-arbitraries';

const cases = new CaseCounter();
afterAll(() => cases.report('rule validator'));

/**
 * The validator's contract: never throws, answers within 300 ms for anything
 * the API's 256 KB body limit lets through, and every error names a JSON path.
 */
function checkVerdict(input: unknown, target: string, text?: string): void {
  cases.hit(target);
  const started = performance.now();
  const verdict = text === undefined ? validateRule(input) : validateRuleText(text);
  const elapsed = performance.now() - started;
  if (elapsed > 300) throw new Error(`validation took ${Math.round(elapsed)} ms`);
  if (verdict.rule === null) {
    expect(verdict.errors.length).toBeGreaterThan(0);
    for (const error of verdict.errors) {
      expect(error.path).toMatch(/^\$/);
      expect(typeof error.message).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
    }
  } else {
    expect(verdict.errors).toEqual([]);
  }
  assertPrototypesClean(target);
}

describe('rule JSON through the validator (fuzz)', () => {
  it('accepts the reference rule (the mutations below start from a valid one)', () => {
    expect(validateRule(validRule()).errors).toEqual([]);
  });

  it('random JSON trees, with poisoned keys', async () => {
    await fuzz(
      'rule validator / random trees',
      fc.property(hostileJson, (value) => checkVerdict(value, 'random trees')),
      { runs: 1500, ms: 3000, floor: 300 },
    );
  });

  it('rule-shaped trees: unknown operators and facts, numbers as strings, unicode', async () => {
    await fuzz(
      'rule validator / rule-shaped trees',
      fc.property(ruleTrees, (value) => checkVerdict(value, 'rule-shaped trees')),
      { runs: 1500, ms: 3000, floor: 300 },
    );
  });

  it('a valid rule with one field replaced by anything', async () => {
    await fuzz(
      'rule validator / mutated valid rule',
      fc.property(mutateRule, (value) => checkVerdict(value, 'mutated valid rule')),
      { runs: 2000, ms: 3000, floor: 300 },
    );
  });

  it('deep nesting, huge arrays, huge strings and pollution payloads, as text', () => {
    const texts = [
      ...[10, 65, 500, 5000].flatMap((d) =>
        (['rule', 'array', 'object'] as const).map((k) => deepNesting(d, k)),
      ),
      JSON.stringify({ ...validRule(), recipients: Array(20_000).fill('provider') }),
      JSON.stringify({ ...validRule(), inhibitedBy: Array(5000).fill('x') }),
      JSON.stringify({
        ...validRule(),
        conditions: { all: Array(3000).fill(validRule().conditions) },
      }),
      JSON.stringify({ ...validRule(), title: '\u{1F600}'.repeat(20_000) }),
      JSON.stringify({ ...validRule(), message: '{{'.repeat(5000) }),
      ...POLLUTION_TEXTS,
      ...POLLUTION_TEXTS.map((t) => t.replace('{', `{"id":"x",`)),
    ];
    // A 1 MB rule never reaches validateRule from the API (body limit), only as a file's text.
    checkVerdict(
      undefined,
      'adversarial texts',
      JSON.stringify({ ...validRule(), recipients: Array(100_000).fill('provider') }),
    );
    for (const text of texts) {
      checkVerdict(undefined, 'adversarial texts', text);
      // Parsed first (rules from the API arrive parsed): same contract.
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue; // 5000-deep JSON is still valid JSON; nothing here is malformed on purpose
      }
      checkVerdict(parsed, 'adversarial values');
    }
  });
});
