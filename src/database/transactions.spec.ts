import type { DataSource } from 'typeorm';
import { inRetriedTransaction } from './transactions';

/** A MySQL data source whose transactions fail with the given driver errors first. */
function mysqlFailingWith(codes: string[]): { dataSource: DataSource; runs: () => number } {
  let runs = 0;
  const dataSource = {
    options: { type: 'mysql' },
    transaction: async (work: (manager: unknown) => Promise<unknown>) => {
      runs += 1;
      const code = codes.shift();
      if (code) throw Object.assign(new Error(code), { driverError: { code } });
      return work({});
    },
  } as unknown as DataSource;
  return { dataSource, runs: () => runs };
}

describe('inRetriedTransaction', () => {
  it('runs a deadlock victim again', async () => {
    const { dataSource, runs } = mysqlFailingWith(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
    await expect(inRetriedTransaction(dataSource, async () => 'done')).resolves.toBe('done');
    expect(runs()).toBe(3);
  });

  it('gives up after the last attempt, and never repeats other errors', async () => {
    const deadlocks = mysqlFailingWith([
      'ER_LOCK_DEADLOCK',
      'ER_LOCK_DEADLOCK',
      'ER_LOCK_DEADLOCK',
    ]);
    await expect(inRetriedTransaction(deadlocks.dataSource, async () => 'done')).rejects.toThrow(
      'ER_LOCK_DEADLOCK',
    );
    expect(deadlocks.runs()).toBe(3);
    const duplicate = mysqlFailingWith(['ER_DUP_ENTRY']);
    await expect(inRetriedTransaction(duplicate.dataSource, async () => 'done')).rejects.toThrow(
      'ER_DUP_ENTRY',
    );
    expect(duplicate.runs()).toBe(1);
  });
});
