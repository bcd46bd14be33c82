import { Almanac, Engine, TopLevelCondition, TopLevelConditionResult } from 'json-rules-engine';
import { ConditionNode, OutcomeResult, RuleDefinition } from '../rule-definition';
import { completeFactParams, resolveValue } from '../facts/complete-fact-params';
import { computeFact, FactInput } from '../facts/compute-fact';
import { FactName, isFactName } from '../facts/fact-catalog';
import { PatientSeries } from '../facts/patient-series';
import { compileMessage, MessageRenderer, placeholders } from './message-template';
import {
  DEFAULT_LOOKBACK_DAYS,
  daysWithData,
  describeStreams,
  gapFacts,
  streamStates,
  type StreamState,
} from '../facts/streams';
import { CUSTOM_OPERATORS } from './operators';

/** The date a rule is evaluated for, and the instant the evaluation stands at. */
export interface EvaluationDay {
  /** Patient's local civil date, YYYY-MM-DD. */
  date: string;
  /** Usually the end of that local day; the days-since-sync facts count from it. */
  asOf: Date;
}

/** Named param values that replace a rule's defaults (a program's or a patient's). */
export type ParamOverrides = Readonly<Record<string, number>>;

export interface RuleEvaluation {
  result: OutcomeResult;
  /** Every tested value and every reported value by name; null is "not enough data". */
  facts: Record<string, number | null>;
  message: string;
}

/**
 * Rule defaults, then each override in turn (program, then patient). Names the
 * rule does not define are ignored: overrides are validated where they are saved.
 */
export function mergeParams(
  defaults: Readonly<Record<string, number>>,
  ...overrides: ParamOverrides[]
): Record<string, number> {
  const merged = { ...defaults };
  for (const override of overrides) {
    for (const name of Object.keys(defaults)) {
      if (Object.hasOwn(override, name)) merged[name] = override[name];
    }
  }
  return merged;
}

/** Lets the engine's facts find the patient of the current run without a lookup. */
class PatientAlmanac extends Almanac {
  constructor(readonly input: FactInput) {
    super({ allowUndefinedFacts: false });
  }
}

/**
 * A fact as the engine calls it. Conditions carry only `{ use: i }`, an index
 * into the compiled rule's completed params: json-rules-engine deep-copies the
 * condition tree on every run, so the tree is kept small.
 */
function factFunction(fact: FactName, uses: readonly Record<string, unknown>[]) {
  return (params: Record<string, unknown>, almanac: Almanac): number | null => {
    if (!(almanac instanceof PatientAlmanac)) {
      throw new Error('Vigil facts run only through RuleEvaluator');
    }
    return computeFact(fact, uses[params.use as number], almanac.input);
  };
}

interface CompiledRule {
  engine: Engine;
  /**
   * The engine's last run, which the next one waits for. An Engine keeps one
   * run status: a run starting while another is under way ends the other
   * early, with no result. Evaluators are kept and shared across concurrent
   * evaluations, so their runs take turns (each is a few microtasks).
   */
  turn: Promise<unknown>;
  message: MessageRenderer;
  /** The streams' states, for a rule that watches them (see `streamWatch`). */
  streams: ((input: FactInput) => { states: StreamState[]; daysWithData: number }) | null;
  /** Whether the message names the streams (`{{streamStatus}}`). */
  namesStreams: boolean;
  report: { name: string; fact: FactName; params: Record<string, unknown> }[];
}

type Truth = boolean | null;

interface LeafResult {
  fact: string;
  name?: string;
  factResult?: unknown;
  result?: boolean;
}
type ResultNode = TopLevelConditionResult | LeafResult;

/**
 * Kleene logic over json-rules-engine's result tree: a condition whose fact
 * reported no data is unknown, `all` is false if any part is false, `any` is
 * true if any part is true; what stays unknown is "insufficient data".
 */
function truthOf(node: ResultNode, facts: Record<string, number | null>): Truth {
  if ('all' in node) {
    const parts = node.all.map((child) => truthOf(child as ResultNode, facts));
    if (parts.includes(false)) return false;
    return parts.includes(null) ? null : true;
  }
  if ('any' in node) {
    const parts = node.any.map((child) => truthOf(child as ResultNode, facts));
    if (parts.includes(true)) return true;
    return parts.includes(null) ? null : false;
  }
  if ('not' in node) {
    const inner = truthOf(node.not as ResultNode, facts);
    return inner === null ? null : !inner;
  }
  if (!('fact' in node)) throw new Error('Condition references are not part of Vigil rules');
  const value = typeof node.factResult === 'number' ? node.factResult : null;
  facts[node.name ?? node.fact] = value;
  return value === null ? null : node.result === true;
}

/**
 * Runs one rule version for one patient and date. Build one per rule version and
 * keep it: the json-rules-engine Engine is built once per distinct set of params
 * (almost always just the defaults), not once per patient.
 */
export class RuleEvaluator {
  private readonly compiled = new Map<string, CompiledRule>();

  constructor(readonly rule: RuleDefinition) {}

  async evaluate(
    series: PatientSeries,
    day: EvaluationDay,
    ...overrides: ParamOverrides[]
  ): Promise<RuleEvaluation> {
    const compiled = this.compile(mergeParams(this.rule.params, ...overrides));
    const input: FactInput = { series, day: series.indexOf(day.date), asOf: day.asOf };
    const almanac = new PatientAlmanac(input);
    const running = compiled.turn.then(() => compiled.engine.run({}, { almanac }));
    compiled.turn = running.catch(() => undefined);
    const run = await running;
    const [ruleResult] = [...run.results, ...run.failureResults];
    const facts: Record<string, number | null> = {};
    const truth = truthOf(ruleResult.conditions, facts);
    for (const reported of compiled.report) {
      facts[reported.name] = computeFact(reported.fact, reported.params, input);
    }
    const watched = compiled.streams?.(input) ?? null;
    const texts =
      watched !== null && compiled.namesStreams ? describeStreams(watched.states) : null;
    return {
      result: truth === null ? 'insufficient_data' : truth ? 'true' : 'false',
      facts:
        watched === null
          ? facts
          : { ...facts, ...gapFacts(watched.states, watched.daysWithData === 0) },
      message: compiled.message(texts === null ? facts : { ...facts, streamStatus: texts }),
    };
  }

  private compile(params: Record<string, number>): CompiledRule {
    const key = Object.values(params).join(',');
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const engine = new Engine([], { allowUndefinedFacts: false });
    for (const operator of CUSTOM_OPERATORS) engine.addOperator(operator);
    // Conditions rarely repeat a fact, and json-rules-engine's cache would hash the params on every run.
    // Only the facts the rule tests: the engine copies each into every run's almanac.
    const uses: Record<string, unknown>[] = [];
    const conditions = compileNode(this.rule.conditions, params, '$.conditions', uses);
    for (const fact of new Set(leafFacts(this.rule.conditions))) {
      engine.addFact(fact, factFunction(fact, uses), { cache: false });
    }
    engine.addRule({
      name: this.rule.id,
      conditions: conditions as TopLevelCondition,
      event: { type: this.rule.id },
    });
    const report = Object.entries(this.rule.report ?? {}).map(([name, reported]) => {
      const fact = asFactName(reported.fact);
      return { name, fact, params: completeFactParams(fact, reported.params, params) };
    });
    const compiled: CompiledRule = {
      engine,
      turn: Promise.resolve(),
      message: compileMessage(this.rule.message, params),
      report,
      streams: streamWatch(this.rule, uses),
      namesStreams: placeholders(this.rule.message).includes('streamStatus'),
    };
    this.compiled.set(key, compiled);
    return compiled;
  }
}

/**
 * A rule that tests the stream facts (monitoring-gap) or names the streams in
 * its message watches the streams over the window of its `streamsStopped`
 * condition (the last 3 days against the 28 before, without one); a day has
 * data as its `daysWithData` condition counts it (heart rate from its wear
 * threshold). Its outcome then says which streams are in the gap
 * (`gapFacts`), and its message can name them.
 */
function streamWatch(
  rule: RuleDefinition,
  uses: readonly Record<string, unknown>[],
): CompiledRule['streams'] {
  const tested = leafFacts(rule.conditions);
  const watches = tested.includes('streamsStopped') || tested.includes('daysWithData');
  if (!watches && !placeholders(rule.message).includes('streamStatus')) return null;
  const window = uses.find((params) => typeof params.lookbackDays === 'number');
  const days = typeof window?.days === 'number' ? window.days : 3;
  const lookbackDays =
    typeof window?.lookbackDays === 'number' ? window.lookbackDays : DEFAULT_LOOKBACK_DAYS;
  const worn = uses.find((params) => typeof params.wearMinutes === 'number');
  const wearMinutes = typeof worn?.wearMinutes === 'number' ? worn.wearMinutes : 1;
  return (input) => ({
    states: streamStates(input, { days, lookbackDays }),
    daysWithData: daysWithData(input, days, 0, wearMinutes),
  });
}

function leafFacts(node: ConditionNode): FactName[] {
  if ('all' in node) return node.all.flatMap(leafFacts);
  if ('any' in node) return node.any.flatMap(leafFacts);
  if ('not' in node) return leafFacts(node.not);
  return [asFactName(node.fact)];
}

function asFactName(name: string): FactName {
  if (!isFactName(name)) {
    throw new Error(`Unknown fact ${name}; validate rules before evaluating them`);
  }
  return name;
}

/**
 * Resolves params and fills defaults into `uses`; an unnamed condition is keyed
 * by its JSON path.
 */
function compileNode(
  node: ConditionNode,
  params: Record<string, number>,
  path: string,
  uses: Record<string, unknown>[],
): object {
  if ('all' in node) {
    return {
      all: node.all.map((child, i) => compileNode(child, params, `${path}.all[${i}]`, uses)),
    };
  }
  if ('any' in node) {
    return {
      any: node.any.map((child, i) => compileNode(child, params, `${path}.any[${i}]`, uses)),
    };
  }
  if ('not' in node) {
    return { not: compileNode(node.not, params, `${path}.not`, uses) };
  }
  const fact = asFactName(node.fact);
  uses.push(completeFactParams(fact, node.params, params));
  return {
    fact,
    operator: node.operator,
    value: Array.isArray(node.value)
      ? node.value.map((item) => resolveValue(item, params))
      : resolveValue(node.value, params),
    params: { use: uses.length - 1 },
    name: node.name ?? path,
  };
}
