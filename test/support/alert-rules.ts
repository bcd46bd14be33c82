import type { RunOutcome } from '../../src/alerts/alert-service';
import type { RuleDefinition } from '../../src/rules/rule-definition';

/** Small rules for alert and delivery tests; the conditions are never run here. */
export function testRule(overrides: Partial<RuleDefinition> & { id: string }): RuleDefinition {
  return {
    title: overrides.id,
    description: 'Test evidence: flagged 80% of cases in a test cohort.',
    severity: 'warning',
    params: {},
    conditions: { all: [] },
    forDays: 1,
    resolveAfterDays: 1,
    repeatAfterDays: 0,
    recipients: ['provider'],
    deliver: { channels: ['message'], reminderDueInDays: 1, priority: 'medium' },
    inhibitedBy: [],
    message: '',
    ...overrides,
  };
}

export const RESTING_HR = testRule({
  id: 'resting-hr-rise',
  title: 'Sustained resting heart rate rise',
  severity: 'warning',
  description:
    'After NightSignal (2022): flagged 80% of infections; stress and travel also trigger it.',
  deliver: { channels: ['message', 'reminder'], reminderDueInDays: 2, priority: 'high' },
});

export const LOW_SPO2 = testRule({
  id: 'low-oxygen-saturation',
  title: 'Low oxygen saturation',
  severity: 'urgent',
});

export const CARE_TEAM = testRule({
  id: 'care-team-check',
  title: 'Care team check',
  severity: 'info',
  recipients: ['group:clin'],
});

/** A rule outcome as an evaluation hands it to the alerts (version 1, no facts). */
export function outcome(
  rule: RuleDefinition,
  result: RunOutcome['result'],
  message = '',
): RunOutcome {
  return { rule, ruleVersion: 1, result, facts: {}, message };
}
