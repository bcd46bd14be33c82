/**
 * The subset of AIP-160 that the Google Health API accepts on dataPoints.list:
 * `<prefix>.<field> >= "literal"` and `<` comparisons joined by AND (and OR for
 * sleep). Anything else is rejected, as Google does, with INVALID_ARGUMENT.
 */
import { DataTypeDefinition, FilterFieldKind, PointKey } from './data-types';
import { addDays } from '../time';

export class FilterError extends Error {}

export type ComparisonOperator = '>=' | '<';

export interface FilterTerm {
  pointKey: PointKey;
  kind: FilterFieldKind;
  operator: ComparisonOperator;
  /** Epoch milliseconds for physical fields; normalised text for civil and date fields. */
  value: number | string;
}

/** Disjunction of conjunctions: a point matches when every term of some clause holds. */
export interface ParsedFilter {
  clauses: FilterTerm[][];
}

/** The keys a filter can compare, for one generated point. */
export interface FilterablePoint {
  startMs: number;
  endMs: number;
  civilStart: string;
  civilEnd: string;
  date: string;
}

const TERM = /^([a-z_]+(?:\.[a-z_]+)+)\s*(>=|<=|!=|>|<|=)\s*"([^"]*)"$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const CIVIL = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isRealDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(date);
}

/** Splits on AND/OR keywords outside quoted literals. */
function splitTerms(filter: string): { terms: string[]; joiners: string[] } {
  const terms: string[] = [];
  const joiners: string[] = [];
  let current = '';
  let inQuotes = false;
  const words = filter.split(/(\s+)/);
  for (const word of words) {
    const quotes = (word.match(/"/g) ?? []).length;
    if (!inQuotes && (word === 'AND' || word === 'OR')) {
      terms.push(current.trim());
      joiners.push(word);
      current = '';
      continue;
    }
    current += word;
    if (quotes % 2 === 1) inQuotes = !inQuotes;
  }
  if (inQuotes) throw new FilterError('Unterminated string literal in filter.');
  terms.push(current.trim());
  return { terms, joiners };
}

function parseLiteral(kind: FilterFieldKind, literal: string, field: string): number | string {
  if (kind === 'physical') {
    if (!RFC3339.test(literal) || Number.isNaN(Date.parse(literal))) {
      throw new FilterError(`Invalid timestamp "${literal}" for ${field}: expected RFC 3339.`);
    }
    return Date.parse(literal);
  }
  if (kind === 'civil') {
    if (!CIVIL.test(literal) || !isRealDate(literal.slice(0, 10))) {
      throw new FilterError(
        `Invalid civil time "${literal}" for ${field}: expected YYYY-MM-DD[THH:mm:ss].`,
      );
    }
    return literal.length === 10 ? `${literal}T00:00:00` : literal;
  }
  if (!DATE.test(literal) || !isRealDate(literal)) {
    throw new FilterError(`Invalid date "${literal}" for ${field}: expected YYYY-MM-DD.`);
  }
  return literal;
}

export function parseFilter(filter: string, dataType: DataTypeDefinition): ParsedFilter {
  if (filter.trim() === '') return { clauses: [[]] };
  const { terms, joiners } = splitTerms(filter.trim());
  if (joiners.includes('OR') && !dataType.allowsOr) {
    throw new FilterError(`The OR operator is not supported for data type ${dataType.id}.`);
  }
  const clauses: FilterTerm[][] = [[]];
  terms.forEach((text, index) => {
    if (index > 0 && joiners[index - 1] === 'OR') clauses.push([]);
    const match = TERM.exec(text);
    if (!match) throw new FilterError(`Unable to parse filter term "${text}".`);
    const [, path, operator, literal] = match;
    const prefix = `${dataType.filterPrefix}.`;
    const field = path.startsWith(prefix)
      ? dataType.filterFields[path.slice(prefix.length)]
      : undefined;
    if (!field)
      throw new FilterError(`Unsupported filter field "${path}" for data type ${dataType.id}.`);
    if (operator !== '>=' && operator !== '<') {
      throw new FilterError(`Unsupported operator "${operator}" for ${path}: use >= or <.`);
    }
    clauses[clauses.length - 1].push({
      pointKey: field.pointKey,
      kind: field.kind,
      operator,
      value: parseLiteral(field.kind, literal, path),
    });
  });
  return { clauses };
}

export function matchesFilter(filter: ParsedFilter, point: FilterablePoint): boolean {
  return filter.clauses.some((clause) =>
    clause.every((term) => {
      const actual = point[term.pointKey];
      return term.operator === '>=' ? actual >= term.value : actual < term.value;
    }),
  );
}

function termDate(term: FilterTerm, side: 'lower' | 'upper'): string {
  if (term.kind !== 'physical') return String(term.value).slice(0, 10);
  const utcDate = new Date(term.value as number).toISOString().slice(0, 10);
  // Local dates lie within a day of the UTC date at any offset (-12h..+14h).
  return addDays(utcDate, side === 'lower' ? -1 : 1);
}

/**
 * Inclusive local-date range that can hold matching points, widened where needed;
 * `undefined` ends mean unbounded. Used to decide which days to generate.
 */
export function candidateDateRange(filter: ParsedFilter): { from?: string; to?: string } {
  let from: string | undefined;
  let to: string | undefined;
  let unboundedBelow = false;
  let unboundedAbove = false;
  for (const clause of filter.clauses) {
    const lowers = clause.filter((t) => t.operator === '>=').map((t) => termDate(t, 'lower'));
    const uppers = clause.filter((t) => t.operator === '<').map((t) => termDate(t, 'upper'));
    if (lowers.length === 0) unboundedBelow = true;
    else {
      const clauseFrom = lowers.sort().at(-1) as string;
      if (from === undefined || clauseFrom < from) from = clauseFrom;
    }
    if (uppers.length === 0) unboundedAbove = true;
    else {
      const clauseTo = uppers.sort()[0];
      if (to === undefined || clauseTo > to) to = clauseTo;
    }
  }
  return { from: unboundedBelow ? undefined : from, to: unboundedAbove ? undefined : to };
}
