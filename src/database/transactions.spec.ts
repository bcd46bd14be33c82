import { DataSource } from 'typeorm';
import { inTransaction } from './transactions';

describe('inTransaction on SQLite', () => {
  let dataSource: DataSource;
  beforeAll(async () => {
    dataSource = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
    }).initialize();
    await dataSource.query('CREATE TABLE t (v integer)');
  });
  afterAll(() => dataSource.destroy());

  it('runs concurrent transactions one after the other, each committing or rolling back alone', async () => {
    const order: string[] = [];
    const first = inTransaction(dataSource, async (m) => {
      order.push('first:start');
      await m.query('INSERT INTO t (v) VALUES (1)');
      await new Promise((r) => setTimeout(r, 50));
      order.push('first:end');
    });
    const failing = inTransaction(dataSource, async (m) => {
      order.push('second:start');
      await m.query('INSERT INTO t (v) VALUES (2)');
      throw new Error('rolled back');
    });
    const third = inTransaction(dataSource, async (m) => {
      order.push('third');
      return m.query('SELECT v FROM t ORDER BY v');
    });
    await first;
    await expect(failing).rejects.toThrow('rolled back');
    expect(await third).toEqual([{ v: 1 }]);
    expect(order).toEqual(['first:start', 'first:end', 'second:start', 'third']);
  });
});
