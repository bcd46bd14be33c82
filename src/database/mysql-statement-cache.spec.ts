import { createPool, type PoolOptions } from 'mysql2';
import { dataSourceOptions } from './data-source-options';
import { openEmrDataSourceOptions } from './openemr-connection';

/** What mysql2 makes of a pool's options (no connection is opened). */
function statementSlots(extra: unknown): number {
  const pool = createPool({ host: '127.0.0.1', ...(extra as PoolOptions) });
  const config = (pool as unknown as { config: { connectionConfig: PoolOptions } }).config;
  pool.end();
  return config.connectionConfig.maxPreparedStatements!;
}

describe("mysql2's prepared-statement cache", () => {
  it('is a few slots per connection, not the 16,000 mysql2 allocates by default', () => {
    const vigil = dataSourceOptions({
      DATABASE_URL: 'mysql://vigil@127.0.0.1/vigil',
      DATA_DIR: '.',
    });
    const openEmr = openEmrDataSourceOptions('mysql://vigil@127.0.0.1/openemr');
    for (const options of [vigil, openEmr]) {
      expect(options.type).toBe('mysql');
      expect(statementSlots((options as { extra?: unknown }).extra)).toBeLessThanOrEqual(16);
    }
    expect(statementSlots({})).toBe(16_000);
  });
});
