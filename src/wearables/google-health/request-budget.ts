/**
 * A sliding one-minute window of requests: at most `perMinute` requests start
 * in any 60 seconds. `reserve` books the earliest free slot and says how long
 * to wait for it, so concurrent callers queue fairly without a timer each.
 * Booked times only grow, so the oldest booking is always at `head`. Only the
 * bookings that still limit a request (those of the last minute, or later)
 * are kept: a patient's budget holds its sync's few requests, not `perMinute`
 * slots, so a worker can keep a thousand of them for a few hundred KB.
 */
export class RequestBudget {
  private booked: number[] = [];
  private head = 0;

  constructor(readonly perMinute: number) {}

  /** True when no request booked here starts within the minute before `now`: as good as a new budget. */
  isIdleAt(now: number): boolean {
    const last = this.booked.length - 1;
    return last < this.head || this.booked[last] <= now - 60_000;
  }

  /** Milliseconds to wait before starting a request at `now` (0 = go). */
  reserve(now: number): number {
    // A request that started a minute or more ago limits none from now on.
    while (this.head < this.booked.length && this.booked[this.head] <= now - 60_000) this.head += 1;
    let at = now;
    if (this.booked.length - this.head === this.perMinute) {
      at = Math.max(now, this.booked[this.head] + 60_000);
      this.head += 1;
    }
    if (this.head < this.booked.length) at = Math.max(at, this.booked[this.booked.length - 1]);
    // Drop what is spent once it is half the array: each booking moves once at most.
    if (this.head * 2 >= this.booked.length) {
      this.booked.splice(0, this.head);
      this.head = 0;
    }
    this.booked.push(at);
    return at - now;
  }
}
