import { Injectable } from '@nestjs/common';

/**
 * Background work (syncs, deliveries) runs through here so shutdown can stop
 * taking new work and wait, for a bounded time, for what is already running.
 */
@Injectable()
export class InFlightWork {
  private readonly running = new Set<Promise<unknown>>();
  private accepting = true;

  get isAccepting(): boolean {
    return this.accepting;
  }

  get count(): number {
    return this.running.size;
  }

  /** Runs `work` unless shutting down; returns undefined when refused. */
  async run<T>(work: () => Promise<T>): Promise<T | undefined> {
    if (!this.accepting) return undefined;
    const promise = work();
    this.running.add(promise);
    try {
      return await promise;
    } finally {
      this.running.delete(promise);
    }
  }

  /** Stops taking work and waits for running work; true if it all finished in time. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.accepting = false;
    let timer: NodeJS.Timeout | undefined;
    const finished = Promise.allSettled([...this.running]).then(() => true);
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
