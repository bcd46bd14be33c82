import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import type { RuleDefinition } from '../rules/rule-definition';
import { StoredRuleVersion } from '../rules/rule.entity';
import { RULES_EVALUATED, type RulesEvaluated } from '../rules/rule-evaluations.service';
import { AlertService } from './alert-service';

/**
 * Steps the alerts of each patient-day the rules feature evaluated. Outcomes
 * name a rule version; its definition (timing, recipients, delivery) is read
 * from the immutable version, so an edited rule never rewrites past alerts.
 */
@Injectable()
export class EvaluationListener {
  constructor(
    private readonly dataSource: DataSource,
    private readonly alerts: AlertService,
  ) {}

  @OnEvent(RULES_EVALUATED, { promisify: true, suppressErrors: false })
  async onRulesEvaluated(event: RulesEvaluated): Promise<void> {
    if (event.outcomes.length === 0) return;
    const versions = await this.dataSource.getRepository(StoredRuleVersion).find({
      where: event.outcomes.map((o) => ({ ruleId: o.rule, version: o.ruleVersion })),
    });
    const definitions = new Map(
      versions.map((v) => [`${v.ruleId}@${v.version}`, JSON.parse(v.definition) as RuleDefinition]),
    );
    await this.alerts.applyEvaluation({
      pid: event.pid,
      date: event.date,
      outcomes: event.outcomes.flatMap((o) => {
        const rule = definitions.get(`${o.rule}@${o.ruleVersion}`);
        return rule === undefined
          ? []
          : [
              {
                rule,
                ruleVersion: o.ruleVersion,
                result: o.result,
                facts: o.facts,
                message: o.message,
              },
            ];
      }),
    });
  }
}
