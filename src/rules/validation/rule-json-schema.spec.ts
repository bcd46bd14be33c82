import { FACT_NAMES, METRIC_NAMES } from '../facts/fact-catalog';
import { RULE_JSON_SCHEMA } from './rule-json-schema';

describe('RULE_JSON_SCHEMA', () => {
  it('is JSON and describes every fact with its params', () => {
    const schema = JSON.parse(JSON.stringify(RULE_JSON_SCHEMA)) as typeof RULE_JSON_SCHEMA;
    const facts = schema.$defs.condition.oneOf.map((option) => option.properties.fact.const);
    expect(facts).toEqual([...FACT_NAMES]);
    const window = schema.$defs.condition.oneOf[0].properties.params as unknown as {
      properties: { metric: { enum: string[] } };
      required: string[];
    };
    expect(window.properties.metric.enum).toEqual(METRIC_NAMES);
    expect(window.required).toEqual(['metric', 'days']);
  });
});
