import { Injectable } from '@nestjs/common';
import { Environment } from '../config/environment';
import { dateRangeProblems } from '../http/input-fields';
import { InvalidInputException } from '../http/problem.filter';
import { acknowledgeWithinHours, type Severity } from '../rules/rule-definition';
import { RulesService } from '../rules/rules.service';
import { addDays, localDateAt, type LocalDate } from '../time';
import { AlertQueries } from '../alerts/alert-queries';
import type { Alert } from '../alerts/lifecycle';
import { RuleOutcomes } from '../rules/rule-outcomes.repository';
import { ruleQuality, type QualityAlert, type RuleQuality } from './rule-quality';

/** The longest period one report covers. */
export const MAX_QUALITY_DAYS = 366;
/** The period when none is asked for: about three months. */
const DEFAULT_DAYS = 90;

export interface RuleQualityReport extends RuleQuality {
  rule: { id: string; title: string; version: number; severity: Severity };
  /**
   * The earliest day with outcomes kept (OUTCOME_RETENTION_DAYS); days of the
   * period before it count no condition or alert days. null: none kept.
   */
  outcomesKeptFrom: LocalDate | null;
}

/** Rule-quality reports: how a rule behaved with real patients and staff. Reads only. */
@Injectable()
export class RuleQualityReports {
  constructor(
    private readonly rules: RulesService,
    private readonly outcomes: RuleOutcomes,
    private readonly alerts: AlertQueries,
    private readonly env: Environment,
  ) {}

  /** The period asked for, or its defaults; a bad range is a 400 naming the field. */
  period(
    from: LocalDate | undefined,
    to: LocalDate | undefined,
    now = new Date(),
  ): {
    from: LocalDate;
    to: LocalDate;
  } {
    const last = to ?? localDateAt(now, this.env.CLINIC_TIME_ZONE);
    const first = from ?? addDays(last, 1 - DEFAULT_DAYS);
    const problems = dateRangeProblems(first, last, MAX_QUALITY_DAYS);
    if (problems.length > 0) throw new InvalidInputException(problems);
    return { from: first, to: last };
  }

  /** The report of a rule in force (404 for an unknown rule) over a checked period. */
  async report(
    ruleId: string,
    from: LocalDate,
    to: LocalDate,
    now = new Date(),
  ): Promise<RuleQualityReport> {
    const rule = await this.rules.get(ruleId);
    const [outcomes, alerts, outcomesKeptFrom] = await Promise.all([
      this.outcomes.forRule(ruleId, from, to),
      this.alertHistory(ruleId, from, to),
      this.outcomes.firstDateForRule(ruleId),
    ]);
    return {
      rule: {
        id: rule.id,
        title: rule.definition.title,
        version: rule.version,
        severity: rule.definition.severity,
      },
      outcomesKeptFrom,
      ...ruleQuality({
        from,
        to,
        acknowledgeWithinHours: acknowledgeWithinHours(
          rule.definition,
          this.env.ESCALATE_AFTER_HOURS,
        ),
        now,
        outcomes,
        alerts,
      }),
    };
  }

  private async alertHistory(
    ruleId: string,
    from: LocalDate,
    to: LocalDate,
  ): Promise<QualityAlert[]> {
    return (await this.alerts.ofRuleInPeriod(ruleId, from, to)).map(({ alert, transitions }) => ({
      pid: Number(alert.pid),
      firedOn: (JSON.parse(alert.lifecycle) as Alert).firedOn,
      firedAt: alert.firedAt,
      transitions: transitions.map((t) => ({
        localDate: t.localDate,
        occurredAt: t.occurredAt,
        to: t.toState,
        cause: t.cause,
        actor: t.actor,
      })),
    }));
  }
}
