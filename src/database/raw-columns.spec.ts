import { In, IsNull, LessThanOrEqual, Like, Not, type DataSource } from 'typeorm';
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
    driver: {
      escape: (name: string) => `\`${name}\``,
      preparePersistentValue: (value: unknown) =>
        value instanceof Date ? value.toISOString() : value,
    },
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

  it('says a find’s conditions in SQL, and refuses an operator it does not know', () => {
    const columns = new RawColumns(dataSourceWith({}), 'Reading', ['value']);
    const when = new Date('2026-12-01T10:00:00.000Z');
    expect(columns.where({ value: IsNull() })).toEqual({ sql: '`value` IS NULL', parameters: [] });
    expect(columns.where({ value: Not(IsNull()) }).sql).toBe('`value` IS NOT NULL');
    expect(columns.where({ value: LessThanOrEqual(when) })).toEqual({
      sql: '`value` <= ?',
      parameters: ['2026-12-01T10:00:00.000Z'],
    });
    expect(columns.where({ value: In([1, 2]) })).toEqual({
      sql: '`value` IN (?, ?)',
      parameters: [1, 2],
    });
    expect(columns.where({ value: 3 })).toEqual({ sql: '`value` = ?', parameters: [3] });
    expect(() => columns.where({ value: Like('a%') })).toThrow('cannot say like in SQL');
    expect(columns.where({ value: Not(3) })).toEqual({ sql: 'NOT(`value` = ?)', parameters: [3] });
    expect(() => columns.where({ value: Not(Like('a%')) })).toThrow('cannot say not in SQL');
  });
});
