/**
 * Appends JSON text into one growing buffer. A page of minute points or of
 * roll-up windows is megabytes of JSON: written fragment by fragment it costs
 * a fraction of building the objects, stringifying them and joining the
 * strings.
 */
export class JsonWriter {
  private buffer: Buffer;
  private length = 0;
  /**
   * Text not yet in the buffer. Appending to a string is cheap in V8 while
   * every write into a buffer has a fixed cost, so fragments are written
   * ~64 KB at a time (half the cost of writing each window of a roll-up).
   */
  private pending = '';

  constructor(capacityBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(capacityBytes);
  }

  /** Appends text that is already JSON (or part of it). */
  raw(text: string): void {
    this.pending += text;
    if (this.pending.length >= 64 * 1024) this.flush();
  }

  bytes(): Buffer {
    this.flush();
    return this.buffer.subarray(0, this.length);
  }

  private flush(): void {
    const text = this.pending;
    this.pending = '';
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const needed = this.length + text.length * 3;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length);
  }
}
