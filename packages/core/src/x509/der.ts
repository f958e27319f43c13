import { X509Error } from './errors.js';

/** Universal tags (X.680) with the constructed bit already set for SEQUENCE and SET. */
export const Tag = Object.freeze({
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
});

/** The identifier octet of a context-specific tag `[n]`. */
export function contextTag(n: number, constructed: boolean): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag [${n}] is outside 0..30`);
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** Certificates nest about eight levels deep; anything far deeper is hostile or broken. */
export const MAX_DER_DEPTH = 32;

/** One DER TLV. `contents` and `encoded` are views into the input, not copies. */
export interface DerElement {
  /** The single identifier octet (class, constructed bit and tag number 0..30). */
  readonly tag: number;
  readonly constructed: boolean;
  readonly contents: Uint8Array;
  /** The whole TLV as it appeared in the input, for hashing and signature checks. */
  readonly encoded: Uint8Array;
  readonly depth: number;
}

function malformed(message: string): X509Error {
  return new X509Error('X509_MALFORMED', message);
}

/** Reads one TLV at `offset`, checking every length against the bytes that remain before slicing. */
function readElementAt(bytes: Uint8Array, offset: number, depth: number, what: string): DerElement {
  if (depth > MAX_DER_DEPTH) throw malformed(`${what} nests deeper than ${MAX_DER_DEPTH} levels`);
  const end = bytes.length;
  if (offset >= end) throw malformed(`${what} ends before a DER item starts`);
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw malformed(`${what} uses a high tag number, which X.509 never does`);
  let pos = offset + 1;
  if (pos >= end) throw malformed(`${what} ends inside a DER length`);
  const first = bytes[pos++] as number;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw malformed(`${what} uses an indefinite length, which DER forbids`);
  } else {
    const count = first & 0x7f;
    if (count > 4) throw malformed(`${what} declares a ${count}-byte length`);
    if (pos + count > end) throw malformed(`${what} ends inside a DER length`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[pos++] as number);
    if (length < 0x80 || (count > 1 && (bytes[pos - count] as number) === 0)) {
      throw malformed(`${what} encodes a length in more bytes than DER allows`);
    }
  }
  if (length > end - pos) {
    throw malformed(`${what} declares ${length} content bytes but only ${end - pos} remain`);
  }
  return {
    tag,
    constructed: (tag & 0x20) !== 0,
    contents: bytes.subarray(pos, pos + length),
    encoded: bytes.subarray(offset, pos + length),
    depth,
  };
}

/** Reads exactly one DER item that fills `bytes`. */
export function readDer(bytes: Uint8Array, what = 'DER input'): DerElement {
  const element = readElementAt(bytes, 0, 0, what);
  if (element.encoded.length !== bytes.length) {
    throw malformed(`${what} has ${bytes.length - element.encoded.length} byte(s) after its DER item`);
  }
  return element;
}

/** The items inside a constructed element, in order. */
export function derChildren(element: DerElement, what: string): DerElement[] {
  if (!element.constructed) throw malformed(`${what} is not a constructed DER item`);
  const children: DerElement[] = [];
  let offset = 0;
  while (offset < element.contents.length) {
    const child = readElementAt(element.contents, offset, element.depth + 1, what);
    children.push(child);
    offset += child.encoded.length;
  }
  return children;
}

/** Walks the fields of a SEQUENCE, with OPTIONAL and DEFAULT fields recognised by their tag. */
export class DerCursor {
  private readonly items: DerElement[];
  private index = 0;

  constructor(
    element: DerElement,
    private readonly what: string,
    tag: number = Tag.SEQUENCE,
  ) {
    expectTag(element, tag, what);
    this.items = derChildren(element, what);
  }

  /** The next field, which must carry `tag`. */
  next(tag: number, field: string): DerElement {
    const item = this.items[this.index];
    if (!item) throw malformed(`${this.what} ends before its ${field}`);
    expectTag(item, tag, `${this.what} ${field}`);
    this.index++;
    return item;
  }

  /** The next field whatever its tag (for ANY and CHOICE fields). */
  nextAny(field: string): DerElement {
    const item = this.items[this.index];
    if (!item) throw malformed(`${this.what} ends before its ${field}`);
    this.index++;
    return item;
  }

  /** The next field if it carries `tag`, else undefined (nothing consumed). */
  optional(tag: number): DerElement | undefined {
    const item = this.items[this.index];
    if (!item || item.tag !== tag) return undefined;
    this.index++;
    return item;
  }

  get atEnd(): boolean {
    return this.index >= this.items.length;
  }

  /** Fails when fields are left over: DER structures have no room for unknown trailing fields here. */
  end(): void {
    if (!this.atEnd) throw malformed(`${this.what} has ${this.items.length - this.index} unexpected trailing field(s)`);
  }
}

export function expectTag(element: DerElement, tag: number, what: string): void {
  if (element.tag !== tag) {
    throw malformed(`${what} has tag 0x${hex2(element.tag)} where 0x${hex2(tag)} was expected`);
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

// ---- primitive readers -----------------------------------------------------------------------

export function readInteger(element: DerElement, what: string): bigint {
  expectTag(element, Tag.INTEGER, what);
  const c = element.contents;
  if (c.length === 0) throw malformed(`${what} is an empty INTEGER`);
  if (c.length > 1 && ((c[0] === 0x00 && (c[1] as number) < 0x80) || (c[0] === 0xff && (c[1] as number) >= 0x80))) {
    throw malformed(`${what} is an INTEGER with redundant leading bytes`);
  }
  let value = 0n;
  for (const byte of c) value = (value << 8n) | BigInt(byte);
  if ((c[0] as number) >= 0x80) value -= 1n << BigInt(8 * c.length);
  return value;
}

/** An INTEGER that must lie in 0..max (versions, path lengths, salt lengths). */
export function readSmallInteger(element: DerElement, max: number, what: string): number {
  const value = readInteger(element, what);
  if (value < 0n || value > BigInt(max)) throw malformed(`${what} is ${value}, outside 0..${max}`);
  return Number(value);
}

export function readBoolean(element: DerElement, what: string): boolean {
  expectTag(element, Tag.BOOLEAN, what);
  const c = element.contents;
  if (c.length !== 1 || (c[0] !== 0x00 && c[0] !== 0xff)) throw malformed(`${what} is not a DER BOOLEAN`);
  return c[0] === 0xff;
}

export function readNull(element: DerElement, what: string): void {
  expectTag(element, Tag.NULL, what);
  if (element.contents.length !== 0) throw malformed(`${what} is a NULL with contents`);
}

export function readOctetString(element: DerElement, what: string): Uint8Array {
  expectTag(element, Tag.OCTET_STRING, what);
  return element.contents;
}

export interface BitString {
  readonly unusedBits: number;
  readonly bytes: Uint8Array;
}

export function readBitString(element: DerElement, what: string): BitString {
  expectTag(element, Tag.BIT_STRING, what);
  const c = element.contents;
  if (c.length === 0) throw malformed(`${what} is a BIT STRING without its unused-bits byte`);
  const unusedBits = c[0] as number;
  if (unusedBits > 7 || (c.length === 1 && unusedBits !== 0)) throw malformed(`${what} declares ${unusedBits} unused bits`);
  const bytes = c.subarray(1);
  if (unusedBits > 0 && ((bytes[bytes.length - 1] as number) & ((1 << unusedBits) - 1)) !== 0) {
    throw malformed(`${what} has unused bits that are not zero`);
  }
  return { unusedBits, bytes };
}

/** Decodes OBJECT IDENTIFIER contents to dotted form; arcs may exceed 2^53 (UUID OIDs), so bigint. */
export function decodeOid(contents: Uint8Array, what: string): string {
  if (contents.length === 0) throw malformed(`${what} is an empty OBJECT IDENTIFIER`);
  const arcs: bigint[] = [];
  let value = 0n;
  let started = false;
  for (const byte of contents) {
    if (!started && byte === 0x80) throw malformed(`${what} has an OID arc with a redundant leading byte`);
    started = true;
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
      started = false;
    }
  }
  if (started) throw malformed(`${what} ends inside an OID arc`);
  const first = arcs[0] as bigint;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

export function readOid(element: DerElement, what: string): string {
  expectTag(element, Tag.OID, what);
  return decodeOid(element.contents, what);
}

// ---- writers ---------------------------------------------------------------------------------

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n % 256);
  return [0x80 | out.length, ...out];
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function derTlv(tag: number, contents: Uint8Array): Uint8Array {
  if ((tag & 0x1f) === 0x1f || tag < 0 || tag > 0xff) throw new RangeError(`tag 0x${tag.toString(16)} is not a low-form identifier octet`);
  return concatBytes([Uint8Array.of(tag, ...lengthBytes(contents.length)), contents]);
}

export function derSequence(...items: Uint8Array[]): Uint8Array {
  return derTlv(Tag.SEQUENCE, concatBytes(items));
}

/** SET OF in DER orders its elements by their encodings (X.690 11.6). */
export function derSet(...items: Uint8Array[]): Uint8Array {
  const sorted = [...items].sort(compareBytes);
  return derTlv(Tag.SET, concatBytes(sorted));
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * An INTEGER. A bigint or number is written in minimal two's complement; a Uint8Array is taken as
 * an unsigned big-endian magnitude (serial numbers), so a leading 0x00 is added when its top bit is set.
 */
export function derInteger(value: bigint | number | Uint8Array): Uint8Array {
  if (value instanceof Uint8Array) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    const magnitude = value.length === 0 ? Uint8Array.of(0) : value.subarray(start);
    const pad = (magnitude[0] as number) >= 0x80 ? Uint8Array.of(0) : new Uint8Array(0);
    return derTlv(Tag.INTEGER, concatBytes([pad, magnitude]));
  }
  let n = BigInt(value);
  const bytes: number[] = [];
  // Emit bytes low to high until the remaining value is pure sign extension of the top byte.
  for (;;) {
    const byte = Number(n & 0xffn);
    bytes.unshift(byte);
    n >>= 8n;
    if ((n === 0n && byte < 0x80) || (n === -1n && byte >= 0x80)) break;
  }
  return derTlv(Tag.INTEGER, Uint8Array.from(bytes));
}

export function encodeOid(dotted: string): Uint8Array {
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(dotted)) throw new RangeError(`"${dotted}" is not a dotted OID`);
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [a, b] = arcs as [bigint, bigint];
  if (a < 2n && b >= 40n) throw new RangeError(`OID ${dotted}: the second arc must be below 40 under arc ${a}`);
  const out: number[] = [];
  for (const arc of [a * 40n + b, ...arcs.slice(2)]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) chunk.unshift(Number(n & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return Uint8Array.from(out);
}

export function derOid(dotted: string): Uint8Array {
  return derTlv(Tag.OID, encodeOid(dotted));
}

export function derBoolean(value: boolean): Uint8Array {
  return Uint8Array.of(Tag.BOOLEAN, 1, value ? 0xff : 0x00);
}

export function derNull(): Uint8Array {
  return Uint8Array.of(Tag.NULL, 0);
}

export function derBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`a BIT STRING cannot have ${unusedBits} unused bits here`);
  }
  return derTlv(Tag.BIT_STRING, concatBytes([Uint8Array.of(unusedBits), bytes]));
}

/**
 * A named-bit BIT STRING (keyUsage): bit 0 is the most significant bit of the first byte, and DER
 * drops trailing zero bits (X.690 11.2.2).
 */
export function derNamedBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return derBitString(new Uint8Array(0));
  const highest = Math.max(...bits);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7));
  return derBitString(bytes, 7 - (highest & 7));
}

export function derOctetString(bytes: Uint8Array): Uint8Array {
  return derTlv(Tag.OCTET_STRING, bytes);
}

export function derUtf8String(text: string): Uint8Array {
  return derTlv(Tag.UTF8_STRING, new TextEncoder().encode(text));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function derPrintableString(text: string): Uint8Array {
  if (!PRINTABLE.test(text)) throw new RangeError(`"${text}" has characters outside PrintableString`);
  return derTlv(Tag.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

export function derIa5String(text: string): Uint8Array {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`"${text}" has characters outside IA5String`);
  return derTlv(Tag.IA5_STRING, Buffer.from(text, 'latin1'));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function checkTime(date: Date): void {
  if (Number.isNaN(date.getTime())) throw new RangeError('an invalid Date cannot be encoded');
}

/** UTCTime `YYMMDDHHMMSSZ` (RFC 5280 4.1.2.5.1); fractions of a second are dropped. */
export function derUtcTime(date: Date): Uint8Array {
  checkTime(date);
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new RangeError(`UTCTime cannot hold the year ${year}`);
  const text =
    pad(year % 100, 2) + pad(date.getUTCMonth() + 1, 2) + pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) + pad(date.getUTCMinutes(), 2) + pad(date.getUTCSeconds(), 2) + 'Z';
  return derTlv(Tag.UTC_TIME, Buffer.from(text, 'latin1'));
}

/** GeneralizedTime `YYYYMMDDHHMMSSZ` (RFC 5280 4.1.2.5.2); fractions of a second are dropped. */
export function derGeneralizedTime(date: Date): Uint8Array {
  checkTime(date);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`GeneralizedTime cannot hold the year ${year}`);
  const text =
    pad(year, 4) + pad(date.getUTCMonth() + 1, 2) + pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) + pad(date.getUTCMinutes(), 2) + pad(date.getUTCSeconds(), 2) + 'Z';
  return derTlv(Tag.GENERALIZED_TIME, Buffer.from(text, 'latin1'));
}

/** The Time CHOICE as RFC 5280 requires: UTCTime through 2049, GeneralizedTime from 2050. */
export function derTime(date: Date): Uint8Array {
  checkTime(date);
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? derUtcTime(date) : derGeneralizedTime(date);
}

/** `[n] EXPLICIT`: a constructed context tag wrapping one complete encoding. */
export function derExplicit(n: number, inner: Uint8Array): Uint8Array {
  return derTlv(contextTag(n, true), inner);
}

/** `[n] IMPLICIT`: the context tag replaces the inner tag; constructed when the inner type was. */
export function derImplicit(n: number, contents: Uint8Array, constructed = false): Uint8Array {
  return derTlv(contextTag(n, constructed), contents);
}

// ---- time reader -----------------------------------------------------------------------------

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Reads the Time CHOICE, accepting only the forms RFC 5280 allows (Zulu, whole seconds). */
export function readTime(element: DerElement, what: string): Date {
  const text = Buffer.from(element.contents).toString('latin1');
  let match: RegExpExecArray | null;
  let year: number;
  if (element.tag === Tag.UTC_TIME) {
    match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!match) throw malformed(`${what} is not a UTCTime of the form YYMMDDHHMMSSZ`);
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (element.tag === Tag.GENERALIZED_TIME) {
    match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!match) throw malformed(`${what} is not a GeneralizedTime of the form YYYYMMDDHHMMSSZ`);
    year = Number(match[1]);
  } else {
    throw malformed(`${what} is neither UTCTime nor GeneralizedTime`);
  }
  const [month, day, hour, minute, second] = match.slice(2).map(Number) as [number, number, number, number, number];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDays = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59) {
    throw malformed(`${what} names a date or time that does not exist (${text})`);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date;
}
