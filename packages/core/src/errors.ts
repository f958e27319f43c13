/**
 * Every error countersign raises on purpose carries a stable `code` (tests and callers branch on it)
 * and a one-line message meant for a person. Each protocol area has its own subclass with its own
 * code union, so a caller can tell a malformed CBOR item from a bad signature without string matching.
 */
export abstract class CountersignError<Code extends string = string> extends Error {
  abstract readonly area: string;
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
    this.code = code;
    this.name = new.target.name;
  }
}

const MAX_MESSAGE_LENGTH = 400;

/**
 * Messages quote names, DIDs and labels taken from untrusted input: escaping line breaks, other
 * controls and bidi overrides keeps each one an honest single line, and the cap keeps a hostile
 * value from flooding a log.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

export function oneLine(text: string): string {
  // One regular-expression scan: every verdict reason passes through here.
  if (text.length <= MAX_MESSAGE_LENGTH && !UNSAFE.test(text)) return text;
  const flat = text.replace(UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return flat.length > MAX_MESSAGE_LENGTH ? `${flat.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : flat;
}

export function isCountersignError(value: unknown): value is CountersignError {
  return value instanceof CountersignError;
}
