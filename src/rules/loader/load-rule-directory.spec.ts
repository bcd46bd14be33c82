import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleDirectory } from './load-rule-directory';

const STARTER = join(__dirname, '../../../rules');

describe('loadRuleDirectory', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
  });

  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  function copy(
    id: string,
    as = `${id}.json`,
    change: (rule: Record<string, unknown>) => void = () => undefined,
  ) {
    const rule = JSON.parse(readFileSync(join(STARTER, `${id}.json`), 'utf8')) as Record<
      string,
      unknown
    >;
    change(rule);
    writeFileSync(join(directory, as), JSON.stringify(rule));
  }

  it('loads good files and refuses bad ones, naming file and JSON path', () => {
    copy('monitoring-gap');
    copy('sleep-deficit');
    copy('hrv-drop', 'hrv.json');
    copy('activity-drop', 'activity-drop.json', (rule) => (rule.forDays = '1'));
    copy(
      'low-oxygen-saturation',
      'low-oxygen-saturation.json',
      (rule) => (rule.inhibitedBy = ['monitoring-gap', 'fever']),
    );
    writeFileSync(join(directory, 'notes.txt'), 'not a rule');

    const loaded = loadRuleDirectory(directory);

    expect(loaded.rules.map((rule) => rule.id)).toEqual(['monitoring-gap', 'sleep-deficit']);
    expect(loaded.errors).toEqual([
      {
        file: 'activity-drop.json',
        path: '$.forDays',
        message: 'must be a number, not the text "1"; write it without quotes',
      },
      {
        file: 'hrv.json',
        path: '$.id',
        message: 'is "hrv-drop", so the file must be named hrv-drop.json',
      },
      {
        file: 'low-oxygen-saturation.json',
        path: '$.inhibitedBy[1]',
        message: `names the rule "fever", which is not in ${directory}`,
      },
    ]);
  });

  it('applies the data retention to every file', () => {
    copy('monitoring-gap');
    copy('resting-hr-rise');
    expect(loadRuleDirectory(directory, { retentionDays: 30 }).errors).toEqual([
      {
        file: 'resting-hr-rise.json',
        path: '$.conditions.all[0].params.baseline',
        message: 'reaches back to day -34, beyond the 30 days of data kept',
      },
      {
        file: 'resting-hr-rise.json',
        path: '$.report.baseline.params',
        message: 'reaches back to day -34, beyond the 30 days of data kept',
      },
      {
        file: 'resting-hr-rise.json',
        path: '$.report.baselineDays.params',
        message: 'reaches back to day -34, beyond the 30 days of data kept',
      },
    ]);
  });
});
