import type { RuleDefinition } from '../rule-definition';
import type { RuleError } from './rule-error';

/** How Vigil reaches OpenEMR (Environment.openEmrMode). */
export type OpenEmrMode = 'database' | 'api' | 'none';

/** Something a valid rule asks for that this installation cannot do; the rule still runs. */
export type RuleWarning = RuleError;

export const REMINDERS_IMPOSSIBLE_IN_API_MODE =
  "asks for a dated reminder, which OpenEMR's API cannot create (api mode: OPENEMR_API_BASE_URL without OPENEMR_DATABASE_URL); this rule's alerts arrive as a Message Center message only";

/** Warnings about a valid rule in this installation, each at the JSON path of what it concerns. */
export function ruleWarnings(rule: RuleDefinition, mode: OpenEmrMode): RuleWarning[] {
  if (mode !== 'api') return [];
  return rule.deliver.channels.flatMap((channel, i) =>
    channel === 'reminder'
      ? [{ path: `$.deliver.channels[${i}]`, message: REMINDERS_IMPOSSIBLE_IN_API_MODE }]
      : [],
  );
}

/**
 * Ids of the rules in force that run for some patient and ask for reminders:
 * a rule from the folder runs unless a program turns it off, one written in
 * Vigil only where a program turns it on.
 */
export function enabledRulesAskingForReminders(
  rules: readonly { id: string; origin: string; definition: RuleDefinition }[],
  settings: readonly { ruleId: string; enabled: boolean | null }[],
): string[] {
  return rules
    .filter(
      ({ id, origin }) =>
        origin === 'file' || settings.some((s) => s.ruleId === id && s.enabled === true),
    )
    .filter(({ definition }) => definition.deliver.channels.includes('reminder'))
    .map(({ id }) => id);
}
