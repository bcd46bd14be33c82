import { DAY_MS, dayNumberOf, isCalendarDate, parseTimestamp } from '../../time/civil-time';
import { GOOGLE_HEALTH_DATA_TYPES } from './data-types';
import { windowFigures, type RollUpPage, type RollUpQuery, type RollUpWindow } from './roll-ups';

/**
 * A `dataPoints:rollUp` page read straight from its bytes when it is laid out
 * as Google writes it (no whitespace, fields in declaration order) and valid.
 * A page of minutes is thousands of windows: building each as JSON objects
 * and strings, then checking and copying them, is most of a sync's parsing.
 *
 * Reading never changes what the page means. The layout accepted is valid
 * JSON with exactly the fields `parseRollUpPage` allows, every check of it is
 * made here too, and numbers become the same doubles, so a page read here
 * gives the windows `parseRollUpPage` gives. Anything else (other spacing or
 * field order, an escape, a value out of bounds) returns null, and the page is
 * parsed and checked the usual way, which decides: its errors are the ones
 * reported.
 */

const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const LETTER_T = 0x54;
const LETTER_Z = 0x5a;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** Text the layout requires, compared four bytes at a time. */
interface Literal {
  bytes: Uint8Array;
  words: Int32Array;
}

const PAGE_HEAD = literal('{"rollupDataPoints":[');
const WINDOW_HEAD = literal('{"startTime":"');
const END_KEY = literal('","endTime":"');
const TOKEN_KEY = literal(',"nextPageToken":"');
const VALUE_END = literal('}}');
const HEART_RATE = {
  head: literal(`","${GOOGLE_HEALTH_DATA_TYPES['heart-rate'].payloadKey}":{`),
  min: literal('"beatsPerMinuteMin":'),
  avg: literal(',"beatsPerMinuteAvg":'),
  max: literal(',"beatsPerMinuteMax":'),
};
const STEPS = {
  head: literal(`","${GOOGLE_HEALTH_DATA_TYPES.steps.payloadKey}":{`),
  count: literal('"countSum":"'),
};
/** Whole numbers of up to 15 digits are exact as they are summed up digit by digit. */
const EXACT_DIGITS = 15;
/** `YYYY-MM-DDTHH:MM:SSZ` */
const TIMESTAMP_LENGTH = 20;

/** The page's windows, or null when it is not in the expected layout or not valid. */
export function readRollUpBytes(
  query: RollUpQuery,
  bytes: Buffer,
  expectedStart: number,
): RollUpPage | null {
  const heartRate = query.dataType === 'heart-rate';
  const figures = query.figures === true;
  const windowMs = query.windowSeconds * 1000;
  const page = new PageBytes(bytes);
  const windows: RollUpWindow[] = [];
  let start = expectedStart;
  // Where the previous end's text lies: a start spelled the same is that instant, unparsed.
  let endFrom = -1;
  let endTo = -1;
  if (!page.skip(PAGE_HEAD)) return null;
  if (page.next() !== CLOSE_BRACKET) {
    do {
      if (!page.skip(WINDOW_HEAD)) return null;
      const startTime = page.skipText(endFrom, endTo) ? start : page.timestamp();
      if (!page.skip(END_KEY)) return null;
      endFrom = page.at;
      const endTime = page.timestamp();
      endTo = page.at;
      if (
        startTime !== start ||
        startTime >= query.endTime ||
        endTime !== Math.min(startTime + windowMs, query.endTime) ||
        !page.skip(heartRate ? HEART_RATE.head : STEPS.head)
      )
        return null;
      const window: RollUpWindow = { startTime, endTime, value: null };
      if (figures) window.figures = windowFigures(null);
      if (page.next() !== CLOSE_BRACE) {
        if (heartRate) {
          const min = page.skip(HEART_RATE.min) ? page.number() : NaN;
          const avg = page.skip(HEART_RATE.avg) ? page.number() : NaN;
          const max = page.skip(HEART_RATE.max) ? page.number() : NaN;
          // False for NaN; a finite maximum bounds the others.
          if (!(min > 0 && min <= avg && avg <= max && max < Infinity)) return null;
          window.value = avg;
          if (figures) window.figures = windowFigures(avg, min, max);
        } else {
          const count = page.skip(STEPS.count) ? page.count() : NaN;
          if (Number.isNaN(count)) return null;
          window.value = count;
          if (figures) window.figures = windowFigures(count);
        }
      }
      if (!page.skip(VALUE_END)) return null;
      windows.push(window);
      start = endTime;
    } while (page.skipComma());
  }
  if (!page.skipByte(CLOSE_BRACKET)) return null;
  let nextPageToken: string | null = null;
  if (page.next() !== CLOSE_BRACE) {
    if (!page.skip(TOKEN_KEY)) return null;
    const token = page.plainText();
    if (token === null) return null;
    if (token !== '') nextPageToken = token;
  }
  if (!page.skipByte(CLOSE_BRACE) || !page.onlySpaceLeft()) return null;
  if (nextPageToken !== null && windows.length === 0) return null;
  if (nextPageToken === null && start !== query.endTime) return null;
  return { windows, nextPageToken };
}

function literal(text: string): Literal {
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const words = new Int32Array(bytes.length >> 2);
  for (let w = 0; w < words.length; w++) words[w] = view.getInt32(w * 4, true);
  return { bytes, words };
}

/**
 * A cursor over the page's bytes. Readers of values return NaN when the bytes
 * there are not what they read, and the page is then refused.
 */
class PageBytes {
  at = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Buffer) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  next(): number | undefined {
    return this.bytes[this.at];
  }

  skipByte(byte: number): boolean {
    if (this.bytes[this.at] !== byte) return false;
    this.at++;
    return true;
  }

  skipComma(): boolean {
    return this.skipByte(COMMA);
  }

  /** Steps over `text` when it is written here. */
  skip(text: Literal): boolean {
    const { bytes, words } = text;
    const at = this.at;
    if (at + bytes.length > this.bytes.length) return false;
    let k = 0;
    for (let w = 0; w < words.length; w++, k += 4)
      if (this.view.getInt32(at + k, true) !== words[w]) return false;
    for (; k < bytes.length; k++) if (this.bytes[at + k] !== bytes[k]) return false;
    this.at = at + bytes.length;
    return true;
  }

  /**
   * Steps over a string's text when it is the text at [from, to) (which holds
   * no quote or backslash) followed by the closing quote.
   */
  skipText(from: number, to: number): boolean {
    const length = to - from;
    const at = this.at;
    if (from < 0 || this.bytes[at + length] !== QUOTE) return false;
    let k = 0;
    for (; k + 4 <= length; k += 4)
      if (this.view.getInt32(at + k, true) !== this.view.getInt32(from + k, true)) return false;
    for (; k < length; k++) if (this.bytes[at + k] !== this.bytes[from + k]) return false;
    this.at = at + length;
    return true;
  }

  /**
   * The instant of a string's text, stopping at its closing quote. Google's
   * spelling, `YYYY-MM-DDTHH:MM:SSZ`, is read from the bytes as parseTimestamp
   * reads it; any other goes through parseTimestamp, which accepts only ASCII
   * characters that no JSON escape stands for: the bytes are the string
   * JSON.parse would give.
   */
  timestamp(): number {
    const bytes = this.bytes;
    const from = this.at;
    if (
      bytes[from + TIMESTAMP_LENGTH] === QUOTE &&
      bytes[from + 4] === MINUS &&
      bytes[from + 7] === MINUS &&
      bytes[from + 10] === LETTER_T &&
      bytes[from + 13] === COLON &&
      bytes[from + 16] === COLON &&
      bytes[from + 19] === LETTER_Z
    ) {
      const century = this.twoDigits(from);
      const ofCentury = this.twoDigits(from + 2);
      const year = century * 100 + ofCentury;
      const month = this.twoDigits(from + 5);
      const day = this.twoDigits(from + 8);
      const hours = this.twoDigits(from + 11);
      const minutes = this.twoDigits(from + 14);
      const seconds = this.twoDigits(from + 17);
      if (
        Math.min(century, ofCentury, month, day, hours, minutes, seconds) >= 0 &&
        isCalendarDate(year, month, day) &&
        hours <= 23 &&
        minutes <= 59 &&
        seconds <= 59
      ) {
        this.at = from + TIMESTAMP_LENGTH;
        return (
          dayNumberOf(year, month, day) * DAY_MS + ((hours * 60 + minutes) * 60 + seconds) * 1000
        );
      }
    }
    let to = from;
    for (let b = bytes[to]; b !== QUOTE; b = bytes[to]) {
      if (b === undefined) return NaN;
      to++;
    }
    this.at = to;
    return parseTimestamp(bytes.toString('latin1', from, to)) ?? NaN;
  }

  /** A JSON number (its exact grammar): Number() of its text is the double JSON.parse gives. */
  number(): number {
    const bytes = this.bytes;
    const from = this.at;
    let at = bytes[from] === MINUS ? from + 1 : from;
    const digitsFrom = at;
    if (bytes[at] === ZERO) at++;
    else if (isDigit(bytes[at])) at = this.digitsEnd(at);
    else return NaN;
    const integerTo = at;
    if (bytes[at] === DOT) {
      if (!isDigit(bytes[at + 1])) return NaN;
      at = this.digitsEnd(at + 1);
    }
    if (((bytes[at] ?? 0) | 0x20) === 0x65) {
      at++;
      if (bytes[at] === PLUS || bytes[at] === MINUS) at++;
      if (!isDigit(bytes[at])) return NaN;
      at = this.digitsEnd(at);
    }
    this.at = at;
    if (at !== integerTo || at - digitsFrom > EXACT_DIGITS)
      return Number(bytes.toString('latin1', from, at));
    const n = this.digitsValue(digitsFrom, at);
    return digitsFrom === from ? n : -n;
  }

  /** A count as protobuf JSON writes an int64: the digits of a string, and its closing quote. */
  count(): number {
    const from = this.at;
    const to = this.digitsEnd(from);
    if (to === from || to - from > EXACT_DIGITS || this.bytes[to] !== QUOTE) return NaN;
    this.at = to + 1;
    return this.digitsValue(from, to);
  }

  /** A string's printable ASCII text without escapes (as JSON.parse reads it) and its closing quote, else null. */
  plainText(): string | null {
    const bytes = this.bytes;
    const from = this.at;
    let to = from;
    for (let b = bytes[to]; b !== QUOTE; b = bytes[to]) {
      if (b === undefined || b < 0x20 || b >= 0x7f || b === BACKSLASH) return null;
      to++;
    }
    this.at = to + 1;
    return bytes.toString('latin1', from, to);
  }

  /** JSON allows whitespace after the value. */
  onlySpaceLeft(): boolean {
    for (let at = this.at; at < this.bytes.length; at++) {
      const b = this.bytes[at];
      if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
    }
    return true;
  }

  /** Two ASCII digits' number, or a negative number when either is not a digit. */
  private twoDigits(at: number): number {
    const tens = this.bytes[at] - ZERO;
    const ones = this.bytes[at + 1] - ZERO;
    return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
  }

  private digitsEnd(from: number): number {
    let at = from;
    while (isDigit(this.bytes[at])) at++;
    return at;
  }

  private digitsValue(from: number, to: number): number {
    let n = 0;
    for (let k = from; k < to; k++) n = n * 10 + (this.bytes[k] - ZERO);
    return n;
  }
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= ZERO && byte <= NINE;
}
