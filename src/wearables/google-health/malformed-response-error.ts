/**
 * A Google Health API response that does not have the documented shape. The
 * message names the JSON path and what was expected, never the value found:
 * the value may be a patient's health data and messages end up in logs.
 */
export class MalformedResponseError extends Error {
  constructor(
    readonly path: string,
    expectation: string,
  ) {
    super(`${path}: ${expectation}`);
    this.name = 'MalformedResponseError';
  }
}
