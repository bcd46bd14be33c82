/**
 * Appends JSON text into one growing buffer. A page of minute points is
 * megabytes of JSON: written fragment by fragment it costs a fraction of
 * building the objects, stringifying them and joining the strings.
 */
export class JsonWriter {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private length = 0;

  /** Appends text that is already JSON (or part of it). */
  raw(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const needed = this.length + text.length * 3;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length);
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}
