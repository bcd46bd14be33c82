import { isAscii } from 'node:buffer';

/**
 * A large `dataPoints` page cut, as bytes, into its envelope and pieces of its
 * points array. A page of minute points is megabytes of ASCII: decoding it to
 * one UTF-8 string and parsing that costs a third more than decoding pieces of
 * a few dozen kilobytes as Latin-1 (the same characters for ASCII) and
 * parsing each.
 *
 * Cutting never changes what the page means: the envelope is the page with an
 * empty array in place of the points, and the pieces are the array's own text
 * between commas. When the envelope parses and every piece parses as a
 * non-empty array, the whole text is valid JSON with exactly those points;
 * when a piece does not parse, the caller parses the whole text, which decides.
 */

/** About 130 heart-rate points. */
const PIECE_BYTES = 48 * 1024;
/** Smaller pages are parsed whole. */
const CUT_FROM_BYTES = 4 * PIECE_BYTES;
/** The points array as the page's first field (Google's layout), possibly indented. */
const PAGE_HEAD = /^\s*\{\s*"dataPoints"\s*:\s*\[/;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;

export interface PageCut {
  /** The page without its points: `dataPoints` is empty. */
  envelope: Record<string, unknown>;
  /** Consecutive runs of points, each the inside of a JSON array when the page is valid. */
  pieces: string[];
}

/** The page cut in pieces, or null when it is small, not ASCII or not laid out as expected. */
export function cutPage(bytes: Buffer): PageCut | null {
  if (bytes.length < CUT_FROM_BYTES || !isAscii(bytes)) return null;
  const head = PAGE_HEAD.exec(bytes.toString('latin1', 0, 256));
  if (!head) return null;
  const open = head[0].length - 1;
  const close = bytes.lastIndexOf(CLOSE_BRACKET);
  if (close <= open || bytes.length - close > 4096) return null;
  const rest = bytes.toString('latin1', close + 1);
  // Another "dataPoints" after the array (perhaps escaped) would be the one JSON.parse keeps.
  if (rest.includes('dataPoints') || rest.includes('\\')) return null;
  let envelope: Record<string, unknown>;
  try {
    envelope = JSON.parse(`${bytes.toString('latin1', 0, open)}[]${rest}`) as typeof envelope;
  } catch {
    return null;
  }
  const first = skipSpace(bytes, open + 1);
  if (first === close) return { envelope, pieces: [] };
  // A run ends where the next point starts as the first one does, e.g. `,{"dataSource"`.
  const keyStart = bytes.indexOf(QUOTE, first);
  const keyEnd = keyStart < 0 ? -1 : bytes.indexOf(QUOTE, keyStart + 1);
  if (bytes[first] !== OPEN_BRACE || keyEnd < 0 || keyEnd - first > 64) return null;
  const separator = Buffer.from(`,${bytes.toString('latin1', open + 1, keyEnd + 1)}`, 'latin1');
  const pieces: string[] = [];
  for (let start = open + 1; ;) {
    let end = close - start > PIECE_BYTES ? bytes.indexOf(separator, start + PIECE_BYTES) : -1;
    if (end < 0 || end > close) end = close;
    pieces.push(bytes.toString('latin1', start, end));
    if (end === close) return { envelope, pieces };
    start = end + 1;
  }
}

function skipSpace(bytes: Buffer, from: number): number {
  let at = from;
  while (bytes[at] === 0x20 || bytes[at] === 0x0a || bytes[at] === 0x0d || bytes[at] === 0x09) at++;
  return at;
}
