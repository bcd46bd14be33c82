import { InFlightWork } from './in-flight-work';

describe('InFlightWork', () => {
  it('waits for running work, then refuses new work', async () => {
    const work = new InFlightWork();
    let finished = false;
    const job = work.run(async () => {
      await new Promise((r) => setTimeout(r, 20));
      finished = true;
      return 'done';
    });
    expect(work.count).toBe(1);
    await expect(work.drain(1000)).resolves.toBe(true);
    expect(finished).toBe(true);
    await expect(job).resolves.toBe('done');
    await expect(work.run(async () => 'late')).resolves.toBeUndefined();
  });

  it('gives up after the timeout', async () => {
    const work = new InFlightWork();
    void work.run(() => new Promise((r) => setTimeout(r, 500)));
    await expect(work.drain(20)).resolves.toBe(false);
  });
});
