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
function isUnsafe(code: number): boolean {
  return code < 0x20 || code === 0x7f || code === 0x200e || code === 0x200f || code === 0x2028 || code === 0x2029 || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

export function oneLine(text: string): string {
  if (text.length <= MAX_MESSAGE_LENGTH) {
    let safe = true;
    for (let i = 0; i < text.length && safe; i++) safe = !isUnsafe(text.charCodeAt(i));
    if (safe) return text;
  }
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return flat.length > MAX_MESSAGE_LENGTH ? `${flat.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : flat;
}

export function isCountersignError(value: unknown): value is CountersignError {
  return value instanceof CountersignError;
}
