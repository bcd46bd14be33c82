import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import type { RuleDefinition } from '../rules/rule-definition';
import { StoredRuleVersion } from '../rules/rule.entity';
import { PATIENT_EVALUATED, type PatientEvaluated } from '../rules/rule-evaluations.service';
import { AlertService, type RunOutcome } from './alert-service';

/**
 * Steps the alerts of each patient the rules feature evaluated, all the days
 * of the evaluation as one run. Outcomes name a rule version; its definition
 * (timing, recipients, delivery) is read from the immutable version, so an
 * edited rule never rewrites past alerts.
 */
@Injectable()
export class EvaluationListener {
  constructor(
    private readonly dataSource: DataSource,
    private readonly alerts: AlertService,
  ) {}

  @OnEvent(PATIENT_EVALUATED, { promisify: true, suppressErrors: false })
  async onPatientEvaluated(event: PatientEvaluated): Promise<void> {
    const named = event.days.flatMap((day) => day.outcomes);
    if (named.length === 0) return;
    const keys = [...new Set(named.map((o) => `${o.rule}@${o.ruleVersion}`))];
    const versions = await this.dataSource.getRepository(StoredRuleVersion).find({
      where: keys.map((key) => {
        const at = key.lastIndexOf('@');
        return { ruleId: key.slice(0, at), version: Number(key.slice(at + 1)) };
      }),
    });
    const definitions = new Map(
      versions.map((v) => [`${v.ruleId}@${v.version}`, JSON.parse(v.definition) as RuleDefinition]),
    );
    await this.alerts.applyRun({
      pid: event.pid,
      days: event.days.map((day) => ({
        date: day.date,
        outcomes: day.outcomes.flatMap((o): RunOutcome[] => {
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
      })),
    });
  }
}
