import { loadEnvironment } from '../config/environment';
import { retentionCutoff } from './outcome-retention';

const KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

describe('outcome retention', () => {
  it('lets go of days, and alert steps, older than the retention', () => {
    expect(retentionCutoff(new Date('2026-11-20T01:30:00Z'), 400)).toEqual({
      date: '2025-10-16',
      steppedBefore: new Date('2025-10-16T01:30:00Z'),
    });
  });

  it('keeps 400 days unless told, and never less than the 35 the pages and recovery read', () => {
    expect(loadEnvironment({ ENCRYPTION_KEYS: KEY }).OUTCOME_RETENTION_DAYS).toBe(400);
    expect(
      loadEnvironment({ ENCRYPTION_KEYS: KEY, OUTCOME_RETENTION_DAYS: '35' })
        .OUTCOME_RETENTION_DAYS,
    ).toBe(35);
    for (const bad of ['34', '3651', '90.5', 'a year'])
      expect(() => loadEnvironment({ ENCRYPTION_KEYS: KEY, OUTCOME_RETENTION_DAYS: bad })).toThrow(
        /OUTCOME_RETENTION_DAYS must be a whole number of days \(35-3650\)/,
      );
  });
});
