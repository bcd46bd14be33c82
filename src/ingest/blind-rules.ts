import { Injectable } from '@nestjs/common';
import { MetricName } from '../aggregates/daily-aggregate';
import { DailyAggregates } from '../aggregates/daily-aggregates.repository';
import { Environment } from '../config/environment';
import { Enrollments } from '../patients/enrollments';
import { RulesInForce } from '../rules/rules-in-force';
import { addDays, localDateAt } from '../time';
import {
  DATA_TYPE_IDS,
  DataTypeId,
  GOOGLE_HEALTH_DATA_TYPES,
  GOOGLE_HEALTH_SCOPE_PREFIX,
} from '../wearables/google-health/data-types';
import { METRIC_DATA_TYPES, ruleMetrics } from './data-needs';

/** Why a data type a rule reads gives it nothing to see. */
export type BlindReason = 'not_granted' | 'no_data';

/** An enabled rule that cannot fire for the patient, and why. */
export interface BlindRule {
  ruleId: string;
  title: string;
  /** Each data type the rule reads, with the reason it sees nothing. */
  missing: { dataType: DataTypeId; reason: BlindReason }[];
}

export interface RuleReads {
  id: string;
  title: string;
  metrics: readonly MetricName[];
}

/**
 * The rules that cannot fire: every metric they read comes from a data type
 * the patient did not grant, or that delivered nothing in the backfill window.
 * A rule reading no metric (sync age only) always sees something. A metric's
 * own data type is the first of METRIC_DATA_TYPES (steps from `steps`, not the
 * heart rate that tells unknown from zero).
 */
export function blindRules(
  rules: readonly RuleReads[],
  granted: ReadonlySet<DataTypeId>,
  metricsWithData: ReadonlySet<MetricName>,
): BlindRule[] {
  return rules.flatMap((rule) => {
    if (rule.metrics.length === 0) return [];
    const missing = new Map<DataTypeId, BlindReason>();
    for (const metric of rule.metrics) {
      const dataType = METRIC_DATA_TYPES[metric][0];
      if (!granted.has(dataType)) missing.set(dataType, 'not_granted');
      else if (!metricsWithData.has(metric))
        missing.set(dataType, missing.get(dataType) ?? 'no_data');
      else return [];
    }
    return [
      {
        ruleId: rule.id,
        title: rule.title,
        missing: [...missing].map(([dataType, reason]) => ({ dataType, reason })),
      },
    ];
  });
}

/**
 * The blind rules that stay blind whatever the watch sends: every data type
 * they read was left unticked. These are what a partial consent costs.
 */
export function neverFiring(blind: readonly BlindRule[]): BlindRule[] {
  return blind.filter((rule) => rule.missing.every((m) => m.reason === 'not_granted'));
}

const REASON_WORDS: Record<BlindReason, string> = {
  not_granted: 'not granted',
  no_data: 'no data in the backfill window',
};

/** What a blind rule reads and why it sees nothing, for staff: "sleep (not granted)". */
export function blindReasonWords(rule: BlindRule): string {
  return rule.missing
    .map((m) => `${dataTypeWords(m.dataType)} (${REASON_WORDS[m.reason]})`)
    .join(', ');
}

/** A data type in a patient's words: `daily-oxygen-saturation` is "oxygen saturation". */
export function dataTypeWords(dataType: DataTypeId): string {
  return dataType.replace(/^daily-/, '').replace(/-/g, ' ');
}

/** The data types a set of granted OAuth scopes opens. */
export function grantedDataTypes(scopes: readonly string[]): Set<DataTypeId> {
  const granted = new Set(scopes);
  return new Set(
    DATA_TYPE_IDS.filter((type) =>
      granted.has(GOOGLE_HEALTH_SCOPE_PREFIX + GOOGLE_HEALTH_DATA_TYPES[type].scope),
    ),
  );
}

/**
 * Blind rules per patient: staff see which enabled rules are watching nothing
 * (`forPatient`, used by the API and the patient pages).
 */
@Injectable()
export class BlindRules {
  constructor(
    private readonly rulesInForce: RulesInForce,
    private readonly enrollments: Enrollments,
    private readonly aggregates: DailyAggregates,
    private readonly env: Environment,
  ) {}

  /** The patient's enabled rules that cannot fire; 404 when the patient is not enrolled. */
  async forPatient(pid: number, now: Date = new Date()): Promise<BlindRule[]> {
    return (await this.forPatients([pid], now)).get(pid)!;
  }

  /** The same for several enrolled patients (a page of enrollments): the rules are read once. */
  async forPatients(
    pids: readonly number[],
    now: Date = new Date(),
  ): Promise<Map<number, BlindRule[]>> {
    const { rules, settings } = await this.rulesInForce.current();
    const result = new Map<number, BlindRule[]>();
    // A few queries for the page, whatever its length: enrollments, their
    // connections, and the aggregates once per distinct window (time zone).
    const patients = await this.enrollments.findWithScopes(pids);
    const windows = patients.map(({ enrollment }) => {
      const today = localDateAt(now, enrollment.timeZone ?? this.env.CLINIC_TIME_ZONE);
      return {
        pid: Number(enrollment.pid),
        from: addDays(today, -this.env.BACKFILL_DAYS),
        to: today,
      };
    });
    const metricsWithData = await this.aggregates.metricsWithDataOf(windows);
    for (const { enrollment, scopes } of patients) {
      const pid = Number(enrollment.pid);
      const withData = metricsWithData.get(pid) ?? new Set();
      const enabled = rules.filter(({ rule }) => {
        const setting = settings.find(
          (s) => s.ruleId === rule.id && s.program === enrollment.program,
        );
        return setting?.enabled ?? rule.origin === 'file';
      });
      result.set(
        pid,
        blindRules(
          enabled.map(({ rule, definition }) => ({
            id: rule.id,
            title: definition.title,
            metrics: ruleMetrics(definition),
          })),
          grantedDataTypes(scopes),
          withData,
        ),
      );
    }
    return result;
  }
}
