import type { DataSource } from 'typeorm';
import { RawColumns } from './raw-columns';

/** Just enough of a DataSource for RawColumns to look its columns up. */
function dataSourceWith(column: Record<string, unknown>): DataSource {
  const metadata = {
    tableName: 'readings',
    findColumnWithPropertyName: (property: string) =>
      property === 'value'
        ? { propertyName: 'value', databaseName: 'value', ...column }
        : undefined,
  };
  return {
    getMetadata: () => metadata,
    driver: { escape: (name: string) => `\`${name}\`` },
  } as unknown as DataSource;
}

describe('RawColumns', () => {
  it('quotes the table and columns as the engine does', () => {
    const columns = new RawColumns(dataSourceWith({}), 'Reading', ['value']);
    expect(columns.table).toBe('`readings`');
    expect(columns.selection).toBe('`value` AS `value`');
  });

  it.each([
    ['a transformer', { transformer: { to: (v: unknown) => v, from: (v: unknown) => v } }],
    ['an update date', { isUpdateDate: true }],
    ['a version', { isVersion: true }],
  ])('refuses a column with %s, which hand-written SQL would skip', (_, column) => {
    expect(() => new RawColumns(dataSourceWith(column), 'Reading', ['value'])).toThrow(
      'readings.value has a transformer or is kept by TypeORM itself',
    );
  });

  it('names a property the entity does not have', () => {
    expect(() => new RawColumns(dataSourceWith({}), 'Reading', ['other' as 'value'])).toThrow(
      'readings has no column for other',
    );
  });
});
