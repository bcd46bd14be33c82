import {
  Almanac,
  Engine,
  EngineResult,
  TopLevelCondition,
  TopLevelConditionResult,
} from 'json-rules-engine';
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
 * A condition's fact as the engine calls it, with the condition's completed
 * params bound: json-rules-engine deep-copies the condition tree on every run,
 * so conditions carry no params object.
 */
function factFunction(fact: FactName, params: Record<string, unknown>) {
  return (_: unknown, almanac: Almanac): number | null => {
    if (!(almanac instanceof PatientAlmanac)) {
      throw new Error('Vigil facts run only through RuleEvaluator');
    }
    return computeFact(fact, params, almanac.input);
  };
}

interface CompiledRule {
  /**
   * Engines not running now. An Engine keeps one run status: a run starting
   * while another is under way ends the other early, with no result.
   * Evaluators are kept and shared across concurrent evaluations, so a run
   * takes an idle engine, or builds one when all are running, and gives it back.
   */
  idle: Engine[];
  newEngine: () => Engine;
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
  /** The rule with its own params: what almost every patient runs. */
  private defaults: CompiledRule | null = null;

  constructor(readonly rule: RuleDefinition) {}

  async evaluate(
    series: PatientSeries,
    day: EvaluationDay,
    ...overrides: ParamOverrides[]
  ): Promise<RuleEvaluation> {
    const compiled = overrides.every(isEmpty)
      ? (this.defaults ??= this.compile(this.rule.params))
      : this.compile(mergeParams(this.rule.params, ...overrides));
    const input: FactInput = { series, day: series.indexOf(day.date), asOf: day.asOf };
    const engine = compiled.idle.pop() ?? compiled.newEngine();
    let run: EngineResult;
    try {
      run = await engine.run({}, { almanac: new PatientAlmanac(input) });
    } finally {
      compiled.idle.push(engine);
    }
    const ruleResult = run.results[0] ?? run.failureResults[0];
    const facts: Record<string, number | null> = {};
    const truth = truthOf(ruleResult.conditions, facts);
    for (const reported of compiled.report) {
      facts[reported.name] = computeFact(reported.fact, reported.params, input);
    }
    const watched = compiled.streams?.(input) ?? null;
    const message = compiled.message(
      facts,
      watched !== null && compiled.namesStreams
        ? { streamStatus: describeStreams(watched.states) }
        : undefined,
    );
    // After the message: the gap values are kept with the outcome, not quoted.
    if (watched !== null) {
      Object.assign(facts, gapFacts(watched.states, watched.daysWithData === 0));
    }
    return {
      result: truth === null ? 'insufficient_data' : truth ? 'true' : 'false',
      facts,
      message,
    };
  }

  private compile(params: Record<string, number>): CompiledRule {
    const key = Object.values(params).join(',');
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const uses: { fact: FactName; params: Record<string, unknown> }[] = [];
    const conditions = compileNode(this.rule.conditions, params, '$.conditions', uses);
    const newEngine = () => {
      const engine = new Engine([], { allowUndefinedFacts: false });
      for (const operator of CUSTOM_OPERATORS) engine.addOperator(operator);
      // One engine fact per condition (conditions rarely repeat a fact, and
      // json-rules-engine's cache would hash the params on every run).
      uses.forEach((use, i) =>
        engine.addFact(conditionFact(i), factFunction(use.fact, use.params), { cache: false }),
      );
      engine.addRule({
        name: this.rule.id,
        conditions: conditions as TopLevelCondition,
        event: { type: this.rule.id },
      });
      return engine;
    };
    const report = Object.entries(this.rule.report ?? {}).map(([name, reported]) => {
      const fact = asFactName(reported.fact);
      return { name, fact, params: completeFactParams(fact, reported.params, params) };
    });
    const compiled: CompiledRule = {
      idle: [newEngine()],
      newEngine,
      message: compileMessage(this.rule.message, params),
      report,
      streams: streamWatch(
        this.rule,
        uses.map((use) => use.params),
      ),
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

/** The engine's name for the fact of the i-th condition (see `compileNode`). */
function conditionFact(i: number): string {
  return `condition${i}`;
}

function isEmpty(overrides: ParamOverrides): boolean {
  for (const _ in overrides) return false;
  return true;
}

/**
 * Resolves params and fills defaults into `uses`, one per condition, whose
 * engine fact it names; an unnamed condition is keyed by its JSON path.
 */
function compileNode(
  node: ConditionNode,
  params: Record<string, number>,
  path: string,
  uses: { fact: FactName; params: Record<string, unknown> }[],
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
  uses.push({ fact, params: completeFactParams(fact, node.params, params) });
  return {
    fact: conditionFact(uses.length - 1),
    operator: node.operator,
    value: Array.isArray(node.value)
      ? node.value.map((item) => resolveValue(item, params))
      : resolveValue(node.value, params),
    name: node.name ?? path,
  };
}
