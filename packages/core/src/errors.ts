/**
 * Every error countersign raises on purpose carries a stable `code` (tests and callers branch on it)
 * and a one-line message meant for a person. Each protocol area has its own subclass with its own
 * code union, so a caller can tell a malformed CBOR item from a bad signature without string matching.
 */
export abstract class CountersignError<Code extends string = string> extends Error {
  abstract readonly area: string;
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export function isCountersignError(value: unknown): value is CountersignError {
  return value instanceof CountersignError;
}
