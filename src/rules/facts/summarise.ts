import { Aggregate } from './fact-catalog';

/**
 * Summarises the days with data of one span. `days` holds their offsets in date
 * order (used by the slope), `values` the matching values.
 * Returns null only where the summary has no meaning (a slope of one day).
 */
export function summarise(aggregate: Aggregate, values: number[], days: number[]): number | null {
  const n = values.length;
  if (aggregate === 'count') return n;
  if (n === 0) return null;
  switch (aggregate) {
    case 'mean':
      return sum(values) / n;
    case 'median':
      return median(values);
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'sum':
      return sum(values);
    case 'first':
      return values[0];
    case 'last':
      return values[n - 1];
    case 'slope':
      return slope(values, days);
  }
}

function sum(values: number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

export function median(values: number[]): number {
  const sorted = ascending(values);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * A sorted copy. A span is a few weeks of days: an insertion sort orders them
 * without a comparator call per comparison (the same order as sort((a, b) => a - b)).
 */
function ascending(values: readonly number[]): number[] {
  if (values.length > 64) return [...values].sort((a, b) => a - b);
  const sorted = values.slice();
  for (let i = 1; i < sorted.length; i++) {
    const value = sorted[i];
    let j = i - 1;
    while (j >= 0 && sorted[j] > value) {
      sorted[j + 1] = sorted[j];
      j--;
    }
    sorted[j + 1] = value;
  }
  return sorted;
}

/** Sample standard deviation; null below two values. */
export function standardDeviation(values: number[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const mean = sum(values) / n;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return Math.sqrt(squares / (n - 1));
}

/** Least-squares change per day; days without data are left out, not zero. */
function slope(values: number[], days: number[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const meanX = sum(days) / n;
  const meanY = sum(values) / n;
  let covariance = 0;
  let varianceX = 0;
  for (let i = 0; i < n; i++) {
    covariance += (days[i] - meanX) * (values[i] - meanY);
    varianceX += (days[i] - meanX) ** 2;
  }
  return covariance / varianceX;
}
