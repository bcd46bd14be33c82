import type { RuleDefinition } from '../rule-definition';
import { enabledRulesAskingForReminders, ruleWarnings } from './rule-warnings';

const rule = (id: string, channels: RuleDefinition['deliver']['channels']): RuleDefinition =>
  ({
    id,
    deliver: { channels, reminderDueInDays: 1, priority: 'high' },
  }) as RuleDefinition;

describe('ruleWarnings', () => {
  it('warns at the reminder channel in api mode only', () => {
    const both = rule('resting-hr-rise', ['message', 'reminder']);
    expect(ruleWarnings(both, 'api')).toEqual([
      { path: '$.deliver.channels[1]', message: expect.stringContaining("OpenEMR's API cannot") },
    ]);
    expect(ruleWarnings(rule('only', ['reminder']), 'api').map((w) => w.path)).toEqual([
      '$.deliver.channels[0]',
    ]);
    expect(ruleWarnings(both, 'database')).toEqual([]);
    expect(ruleWarnings(both, 'none')).toEqual([]);
    expect(ruleWarnings(rule('message', ['message']), 'api')).toEqual([]);
  });
});

describe('enabledRulesAskingForReminders', () => {
  it('names folder rules and the Vigil-written rules a program turned on', () => {
    const rules = [
      { id: 'a-file', origin: 'file', definition: rule('a-file', ['message', 'reminder']) },
      { id: 'b-api-off', origin: 'api', definition: rule('b-api-off', ['reminder']) },
      { id: 'c-api-on', origin: 'api', definition: rule('c-api-on', ['reminder']) },
      { id: 'd-message', origin: 'file', definition: rule('d-message', ['message']) },
    ];
    const settings = [
      { ruleId: 'b-api-off', enabled: false },
      { ruleId: 'c-api-on', enabled: true },
      { ruleId: 'd-message', enabled: true },
    ];
    expect(enabledRulesAskingForReminders(rules, settings)).toEqual(['a-file', 'c-api-on']);
  });
});
