import type { RuleView } from '../../rules/rules.service';
import { rulesInEffect } from './patient-trends';

const rule = (id: string, enabledByDefault: boolean, programs: RuleView['programs'] = []) =>
  ({
    id,
    enabledByDefault,
    programs,
    definition: { id, params: { level: 1, days: 3 } },
  }) as unknown as RuleView;

const setting = (program: string, enabled: boolean | null, params = {}) => ({
  program,
  enabled,
  params,
  updatedBy: 'test',
  updatedAt: new Date(0),
});

describe('rules in effect for a patient', () => {
  it("follows the program's switch, else the rule's default, and layers program then patient params", () => {
    const rules = [
      rule('folder-rule', true, [setting('copd', false)]),
      rule('api-rule', false, [setting('copd', true, { level: 2, days: 5 })]),
      rule('defaulted', true, [setting('copd', null, { level: 3 })]),
    ];
    const ids = (program: string | null) =>
      rulesInEffect(rules, program, []).map((r) => r.definition.id);
    expect(ids(null)).toEqual(['folder-rule', 'defaulted']);
    expect(ids('copd')).toEqual(['api-rule', 'defaulted']);
    expect(ids('cardiac')).toEqual(['folder-rule', 'defaulted']);

    const [apiRule] = rulesInEffect(rules, 'copd', [{ rule: 'api-rule', params: { days: 9 } }]);
    expect(apiRule.params).toEqual({ level: 2, days: 9 });
  });
});
