/**
 * A sliding one-minute window of requests: at most `perMinute` requests start
 * in any 60 seconds. `reserve` books the earliest free slot and says how long
 * to wait for it, so concurrent callers queue fairly without a timer each.
 * Booked times only grow, so the oldest booking is always at `head`.
 */
export class RequestBudget {
  private readonly slots: number[];
  private head = 0;
  private size = 0;

  constructor(readonly perMinute: number) {
    this.slots = new Array<number>(perMinute).fill(0);
  }

  /** True when no request booked here starts within the minute before `now`: as good as a new budget. */
  isIdleAt(now: number): boolean {
    return (
      this.size === 0 || this.slots[(this.head + this.size - 1) % this.perMinute] <= now - 60_000
    );
  }

  /** Milliseconds to wait before starting a request at `now` (0 = go). */
  reserve(now: number): number {
    let at = now;
    if (this.size === this.perMinute) {
      at = Math.max(now, this.slots[this.head] + 60_000);
      this.head = (this.head + 1) % this.perMinute;
      this.size -= 1;
    }
    const last = this.size === 0 ? at : this.slots[(this.head + this.size - 1) % this.perMinute];
    at = Math.max(at, last);
    this.slots[(this.head + this.size) % this.perMinute] = at;
    this.size += 1;
    return at - now;
  }
}
