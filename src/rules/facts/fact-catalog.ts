import { NUMERIC_METRICS, NumericMetric } from '../../aggregates/daily-aggregate';

/**
 * The facts a rule may test, and the params each takes. Validation, the JSON
 * Schema, the README and the fact functions all read this one table.
 * Days are counted back from the evaluation date: day 0 is the evaluation date,
 * `endOffsetDays: 7` makes a span end 7 days before it.
 */
export const FACT_NAMES = [
  'window',
  'baseline',
  'delta',
  'percentChange',
  'zscore',
  'streak',
  'coverage',
  'daysSinceSync',
  'daysSinceDeviceSync',
  'daysWithData',
  'streamsStopped',
] as const;
export type FactName = (typeof FACT_NAMES)[number];

export const AGGREGATES = [
  'mean',
  'median',
  'min',
  'max',
  'sum',
  'count',
  'first',
  'last',
  'slope',
] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** Comparisons a streak can count. */
export const COMPARISONS = [
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
] as const;
export type Comparison = (typeof COMPARISONS)[number];

export const METRIC_NAMES = Object.keys(NUMERIC_METRICS) as NumericMetric[];

export type ParamKind =
  | 'metric'
  | 'aggregate'
  | 'comparison'
  /** Length of a span, at least 1 day. */
  | 'days'
  /** Days between the evaluation date and the end of a span, 0 or more. */
  | 'offset'
  /** Fewest days with data below which the fact reports "not enough data". */
  | 'minDays'
  | 'number'
  | 'span';

export interface ParamSpec {
  kind: ParamKind;
  required?: boolean;
  default?: string | number;
  /** Params of a nested span (`recent`, `baseline`). */
  span?: Record<string, ParamSpec>;
  help: string;
}

export interface FactSpec {
  help: string;
  params: Record<string, ParamSpec>;
}

function spanParams(
  defaults: { endOffsetDays?: number; aggregate: Aggregate },
  help: string,
): ParamSpec {
  return {
    kind: 'span',
    required: true,
    help,
    span: {
      days: { kind: 'days', required: true, help: 'length of the span in days' },
      endOffsetDays:
        defaults.endOffsetDays === undefined
          ? {
              kind: 'offset',
              required: true,
              help: 'days between the evaluation date and the end of the span',
            }
          : {
              kind: 'offset',
              default: defaults.endOffsetDays,
              help: 'days between the evaluation date and the end of the span',
            },
      aggregate: {
        kind: 'aggregate',
        default: defaults.aggregate,
        help: 'how the days are summarised',
      },
      minDays: { kind: 'minDays', default: 1, help: 'fewest days with data, else not enough data' },
    },
  };
}

const METRIC: ParamSpec = { kind: 'metric', required: true, help: 'daily aggregate metric' };

const RECENT_AND_BASELINE = {
  metric: METRIC,
  recent: spanParams({ endOffsetDays: 0, aggregate: 'mean' }, 'the recent span'),
  baseline: spanParams(
    { aggregate: 'median' },
    'the personal baseline span, which must end before the recent span starts',
  ),
};

export const FACTS: Record<FactName, FactSpec> = {
  window: {
    help: 'A summary of a metric over the last `days` days ending `endOffsetDays` before the evaluation date.',
    params: {
      metric: METRIC,
      days: { kind: 'days', required: true, help: 'length of the window in days' },
      endOffsetDays: {
        kind: 'offset',
        default: 0,
        help: 'days between the evaluation date and the end of the window',
      },
      aggregate: { kind: 'aggregate', default: 'mean', help: 'how the days are summarised' },
      minDays: { kind: 'minDays', default: 1, help: 'fewest days with data, else not enough data' },
    },
  },
  baseline: {
    help: 'The personal baseline of a metric: a window that ends before the recent days (by default days -34..-7).',
    params: {
      metric: METRIC,
      days: { kind: 'days', default: 28, help: 'length of the baseline in days' },
      endOffsetDays: {
        kind: 'offset',
        default: 7,
        help: 'days between the evaluation date and the end of the baseline',
      },
      aggregate: {
        kind: 'aggregate',
        default: 'median',
        help: 'how the days are summarised; `count` gives the baseline days available',
      },
      minDays: {
        kind: 'minDays',
        default: 14,
        help: 'fewest baseline days with data, else not enough data',
      },
    },
  },
  delta: {
    help: 'Recent value minus baseline value, in the unit of the metric.',
    params: RECENT_AND_BASELINE,
  },
  percentChange: {
    help: 'Recent value relative to the baseline, in percent (-50 means half the baseline).',
    params: RECENT_AND_BASELINE,
  },
  zscore: {
    help: 'Recent value minus the baseline centre, in standard deviations of the baseline days (needs 2 baseline days that differ).',
    params: {
      metric: METRIC,
      recent: spanParams({ endOffsetDays: 0, aggregate: 'mean' }, 'the recent span'),
      baseline: spanParams(
        { aggregate: 'mean' },
        'the personal baseline span; its aggregate is the centre, its days give the spread',
      ),
    },
  },
  streak: {
    help: 'Consecutive most recent days on which the metric compared true against a threshold: `value`, or a `baseline` span times `factor` plus `offset`. A day without data ends the streak; no data on the latest day is not enough data.',
    params: {
      metric: METRIC,
      operator: {
        kind: 'comparison',
        required: true,
        help: 'comparison of each day with the threshold',
      },
      value: { kind: 'number', help: 'fixed threshold' },
      baseline: {
        ...spanParams({ aggregate: 'median' }, 'threshold from a baseline span'),
        required: false,
      },
      offset: { kind: 'number', default: 0, help: 'added to the baseline threshold' },
      factor: {
        kind: 'number',
        default: 1,
        help: 'multiplies the baseline threshold before the offset',
      },
      maxDays: { kind: 'days', default: 30, help: 'longest streak counted' },
      endOffsetDays: {
        kind: 'offset',
        default: 0,
        help: 'days between the evaluation date and the latest day counted',
      },
    },
  },
  coverage: {
    help: 'Days in a window with data for a metric (by default minutes worn), optionally only days reaching `atLeast`. Missing days count as not covered; never "not enough data".',
    params: {
      metric: { kind: 'metric', default: 'wearMinutes', help: 'metric whose presence is counted' },
      days: { kind: 'days', required: true, help: 'length of the window in days' },
      endOffsetDays: {
        kind: 'offset',
        default: 0,
        help: 'days between the evaluation date and the end of the window',
      },
      atLeast: { kind: 'number', help: 'count only days on which the metric reaches this value' },
    },
  },
  daysSinceSync: {
    help: 'Whole days since Vigil last fetched data for the patient; not enough data if it never has.',
    params: {},
  },
  daysSinceDeviceSync: {
    help: 'Whole days since the device last synced to Fitbit; not enough data if unknown.',
    params: {},
  },
  daysWithData: {
    help: 'Days in a window on which any data stream delivered: heart rate on at least `wearMinutes` minutes, known steps, a sleep or a weigh-in. Never "not enough data".',
    params: {
      days: { kind: 'days', required: true, help: 'length of the window in days' },
      endOffsetDays: {
        kind: 'offset',
        default: 0,
        help: 'days between the evaluation date and the end of the window',
      },
      wearMinutes: {
        kind: 'number',
        default: 1,
        help: 'minutes of heart rate that make a day count for the heart-rate stream',
      },
    },
  },
  streamsStopped: {
    help: 'Data streams (heart rate, steps, sleep, weight) that arrived on at least half of the `lookbackDays` days with data before the last `days` days, and on none of the last `days` days. Never "not enough data". The message placeholder {{streamStatus}} names them.',
    params: {
      days: { kind: 'days', required: true, help: 'recent days, counting the evaluation date' },
      lookbackDays: {
        kind: 'days',
        default: 28,
        help: 'days before the recent ones in which a stream must have arrived regularly',
      },
    },
  },
};

export function isFactName(name: string): name is FactName {
  return (FACT_NAMES as readonly string[]).includes(name);
}
