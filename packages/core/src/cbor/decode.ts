import { CborError } from './errors.js';
import { CborSimple, CborTag, type CborMap, type CborValue } from './types.js';

/**
 * Bounds on what a decoder will accept. Every bound is checked before the memory it guards is
 * allocated: a declared length must fit both its limit and the bytes that actually remain.
 */
export interface DecodeLimits {
  /** Deepest nesting of arrays, maps and tags. */
  maxDepth: number;
  /** Most items (of any kind, nested ones included) in one decode. */
  maxItems: number;
  /** Longest byte or text string, in bytes. */
  maxStringLength: number;
  /** Largest input, in bytes. */
  maxInputSize: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxDepth: 32,
  maxItems: 100_000,
  maxStringLength: 64 * 1024 * 1024,
  maxInputSize: 64 * 1024 * 1024,
});

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Decoded byte strings are copies (the input may be reused by its owner). A typed array of its own costs
// far more than the copy for anything past V8's on-heap size (64 bytes): certificates, proofs and digests
// in headers are copied into shared slabs instead, as Buffer.allocUnsafe does. A view keeps its slab alive.
const SLAB_BYTES = 16 * 1024;
const ON_HEAP_BYTES = 64;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function copyOf(bytes: Uint8Array, start: number, length: number): Uint8Array {
  if (length <= ON_HEAP_BYTES || length > SLAB_BYTES / 4) return bytes.slice(start, start + length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const copy = new Uint8Array(slab, slabUsed, length);
  copy.set(bytes.subarray(start, start + length));
  slabUsed += (length + 7) & ~7;
  return copy;
}
const INDEFINITE = -1;

interface Head {
  major: number;
  info: number;
  /** The argument; INDEFINITE for indefinite lengths; a bigint only when it does not fit a safe integer. */
  argument: number | bigint;
}

/** Limits merged over the defaults, without a copy when nothing or everything is given (the common cases). */
function mergedLimits(limits: Partial<DecodeLimits>): Readonly<DecodeLimits> {
  const { maxDepth, maxItems, maxStringLength, maxInputSize } = limits;
  if (maxDepth === undefined && maxItems === undefined && maxStringLength === undefined && maxInputSize === undefined) return DEFAULT_DECODE_LIMITS;
  if (maxDepth !== undefined && maxItems !== undefined && maxStringLength !== undefined && maxInputSize !== undefined) return limits as DecodeLimits;
  // Callers pass the same partial limits (a module's constant) on every decode: merged once per object.
  let merged = mergedOnce.get(limits);
  if (merged === undefined || merged.maxDepth !== (maxDepth ?? DEFAULT_DECODE_LIMITS.maxDepth) || merged.maxItems !== (maxItems ?? DEFAULT_DECODE_LIMITS.maxItems)
    || merged.maxStringLength !== (maxStringLength ?? DEFAULT_DECODE_LIMITS.maxStringLength) || merged.maxInputSize !== (maxInputSize ?? DEFAULT_DECODE_LIMITS.maxInputSize)) {
    merged = { ...DEFAULT_DECODE_LIMITS, ...limits };
    mergedOnce.set(limits, merged);
  }
  return merged;
}

// Checked against the object's current values at each use: a caller may change its limits object.
const mergedOnce = new WeakMap<Partial<DecodeLimits>, Readonly<DecodeLimits>>();

/**
 * A cursor over CBOR bytes. `readItem` decodes the next item; `pos` tells where it ended, so
 * callers such as COSE can keep the exact bytes of an item as they were received.
 */
export class CborReader {
  pos: number;
  private items = 0;
  private readonly limits: Readonly<DecodeLimits>;
  private view: DataView | undefined;
  private asBuffer: Buffer | undefined;
  // The last head read, kept in fields so that decoding allocates nothing per item but its value.
  private major = 0;
  private info = 0;
  private argument: number | bigint = 0;

  constructor(
    readonly bytes: Uint8Array,
    limits: Partial<DecodeLimits> = {},
    start = 0,
  ) {
    this.limits = mergedLimits(limits);
    if (bytes.length > this.limits.maxInputSize) {
      throw new CborError('CBOR_LIMIT', `input of ${bytes.length} bytes exceeds the ${this.limits.maxInputSize}-byte limit`);
    }
    this.pos = start;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.bytes.length;
  }

  private need(count: number): void {
    if (this.remaining < count) {
      throw new CborError('CBOR_TRUNCATED', `input ends ${count - this.remaining} byte(s) short at offset ${this.bytes.length}`);
    }
  }

  private countItem(): void {
    if (++this.items > this.limits.maxItems) {
      throw new CborError('CBOR_LIMIT', `more than ${this.limits.maxItems} items`);
    }
  }

  private latin1(): Buffer {
    this.asBuffer ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.asBuffer;
  }

  private dataView(): DataView {
    this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view;
  }

  /** Reads the initial byte and argument of the next item. */
  readHead(): Head {
    this.nextHead();
    return { major: this.major, info: this.info, argument: this.argument };
  }

  /** Reads the next head into `major`, `info` and `argument`. */
  private nextHead(): void {
    this.need(1);
    const bytes = this.bytes;
    const initial = bytes[this.pos++] as number;
    const major = initial >> 5;
    const info = initial & 0x1f;
    this.major = major;
    this.info = info;
    if (info < 24) {
      this.argument = info;
      return;
    }
    const pos = this.pos;
    switch (info) {
      case 24:
        this.need(1);
        this.argument = bytes[pos] as number;
        this.pos = pos + 1;
        return;
      case 25:
        this.need(2);
        this.argument = ((bytes[pos] as number) << 8) | (bytes[pos + 1] as number);
        this.pos = pos + 2;
        return;
      case 26:
        this.need(4);
        this.argument = (bytes[pos] as number) * 0x1000000 + (((bytes[pos + 1] as number) << 16) | ((bytes[pos + 2] as number) << 8) | (bytes[pos + 3] as number));
        this.pos = pos + 4;
        return;
      case 27: {
        this.need(8);
        const value = this.dataView().getBigUint64(pos);
        this.pos = pos + 8;
        this.argument = value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
        return;
      }
      case 31:
        if (major === 0 || major === 1 || major === 6) {
          throw new CborError('CBOR_MALFORMED', `indefinite length is not allowed for major type ${major} at offset ${this.pos - 1}`);
        }
        this.argument = INDEFINITE;
        return;
      default:
        throw new CborError('CBOR_MALFORMED', `reserved additional information ${info} at offset ${this.pos - 1}`);
    }
  }

  /** A declared length, checked against a limit and against the bytes left (each unit needs at least `unitSize` bytes). */
  private length(argument: number | bigint, unitSize: number, limit: number, what: string): number {
    if (typeof argument === 'bigint' || argument > limit) {
      throw new CborError('CBOR_LIMIT', `${what} of length ${argument} exceeds the limit of ${limit}`);
    }
    if (argument * unitSize > this.remaining) {
      throw new CborError('CBOR_TRUNCATED', `${what} declares ${argument} but only ${this.remaining} byte(s) remain`);
    }
    return argument;
  }

  private readString(major: 2 | 3, argument: number | bigint): Uint8Array {
    if (argument !== INDEFINITE) {
      const length = this.length(argument, 1, this.limits.maxStringLength, major === 2 ? 'byte string' : 'text string');
      const value = copyOf(this.bytes, this.pos, length);
      this.pos += length;
      return value;
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      this.need(1);
      if (this.bytes[this.pos] === 0xff) {
        this.pos++;
        break;
      }
      this.nextHead();
      if (this.major !== major || this.argument === INDEFINITE) {
        throw new CborError('CBOR_MALFORMED', `indefinite string holds a chunk of another kind at offset ${this.pos - 1}`);
      }
      this.countItem();
      const chunk = this.readString(major, this.argument);
      total += chunk.length;
      if (total > this.limits.maxStringLength) {
        throw new CborError('CBOR_LIMIT', `string longer than the limit of ${this.limits.maxStringLength}`);
      }
      chunks.push(chunk);
    }
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      joined.set(chunk, offset);
      offset += chunk.length;
    }
    return joined;
  }

  /**
   * Reads the next item when it is a definite-length byte string, as a view into `bytes` (no copy);
   * otherwise consumes nothing and returns undefined, leaving the item to readItem.
   */
  readByteStringView(depth = 0): Uint8Array | undefined {
    this.need(1);
    const initial = this.bytes[this.pos] as number;
    if (initial >> 5 !== 2 || (initial & 0x1f) === 31) return undefined;
    if (depth > this.limits.maxDepth) {
      throw new CborError('CBOR_LIMIT', `nesting deeper than ${this.limits.maxDepth} levels`);
    }
    this.countItem();
    this.nextHead();
    const length = this.length(this.argument, 1, this.limits.maxStringLength, 'byte string');
    const start = this.pos;
    this.pos = start + length;
    return this.bytes.subarray(start, this.pos);
  }

  /** A definite-length text string, decoded where it lies (no copy); short ASCII text skips the UTF-8 decoder. */
  private readText(argument: number | bigint): string {
    const length = this.length(argument, 1, this.limits.maxStringLength, 'text string');
    const bytes = this.bytes;
    const start = this.pos;
    const end = start + length;
    this.pos = end;
    if (length <= 64) {
      let ascii = true;
      for (let i = start; i < end && ascii; i++) ascii = (bytes[i] as number) < 0x80;
      // ASCII reads the same as Latin-1: one native call that allocates nothing but the string.
      if (ascii) return this.latin1().toString('latin1', start, end);
    }
    return utf8.decode(bytes.subarray(start, end));
  }

  private isBreak(): boolean {
    this.need(1);
    if (this.bytes[this.pos] !== 0xff) return false;
    this.pos++;
    return true;
  }

  /** Decodes the next item. */
  readItem(depth = 0): CborValue {
    if (depth > this.limits.maxDepth) {
      throw new CborError('CBOR_LIMIT', `nesting deeper than ${this.limits.maxDepth} levels`);
    }
    this.countItem();
    const start = this.pos;
    this.nextHead();
    const { major, info, argument } = this;
    switch (major) {
      case 0:
        return argument;
      case 1:
        return typeof argument === 'bigint' ? -1n - argument : argument === Number.MAX_SAFE_INTEGER ? -1n - BigInt(argument) : -1 - argument;
      case 2:
        return this.readString(2, argument);
      case 3:
        try {
          return argument === INDEFINITE ? utf8.decode(this.readString(3, argument)) : this.readText(argument);
        } catch (error) {
          if (error instanceof CborError) throw error;
          throw new CborError('CBOR_MALFORMED', `text string at offset ${start} is not valid UTF-8`);
        }
      case 4:
        return this.readArray(argument, depth);
      case 5:
        return this.readMap(argument, depth);
      case 6: {
        if (typeof argument === 'bigint') throw new CborError('CBOR_LIMIT', `tag ${argument} is too large`);
        return new CborTag(argument, this.readItem(depth + 1));
      }
      default:
        return this.readSimple(info, argument, start);
    }
  }

  private readArray(argument: number | bigint, depth: number): CborValue[] {
    const items: CborValue[] = [];
    if (argument === INDEFINITE) {
      while (!this.isBreak()) items.push(this.readItem(depth + 1));
      return items;
    }
    const count = this.length(argument, 1, this.limits.maxItems, 'array');
    for (let i = 0; i < count; i++) items.push(this.readItem(depth + 1));
    return items;
  }

  private readMap(argument: number | bigint, depth: number): CborMap {
    const map: CborMap = new Map();
    // Encodings of the keys with identity semantics in a Map (bytes, arrays, tags), made only when one appears.
    let encodedKeys: Set<string> | undefined;
    const indefinite = argument === INDEFINITE;
    const count = indefinite ? Infinity : this.length(argument, 2, this.limits.maxItems, 'map');
    for (let i = 0; indefinite ? !this.isBreak() : i < count; i++) {
      const keyStart = this.pos;
      const key = this.readItem(depth + 1);
      if (key === null || typeof key !== 'object') {
        if (map.has(key)) throw new CborError('CBOR_MALFORMED', `map repeats a key at offset ${keyStart}`);
      } else {
        const encoded = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + keyStart, this.pos - keyStart).toString('hex');
        encodedKeys ??= new Set<string>();
        if (encodedKeys.has(encoded)) throw new CborError('CBOR_MALFORMED', `map repeats a key at offset ${keyStart}`);
        encodedKeys.add(encoded);
      }
      map.set(key, this.readItem(depth + 1));
    }
    return map;
  }

  private readSimple(info: number, argument: number | bigint, start: number): CborValue {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 24:
        if ((argument as number) < 32) {
          throw new CborError('CBOR_MALFORMED', `simple value ${argument} uses the two-byte form at offset ${start}`);
        }
        return new CborSimple(argument as number);
      case 25:
        return halfToNumber(argument as number);
      case 26:
        return this.dataView().getFloat32(this.pos - 4);
      case 27:
        return this.dataView().getFloat64(this.pos - 8);
      case 31:
        throw new CborError('CBOR_MALFORMED', `unexpected break at offset ${start}`);
      default:
        return new CborSimple(info);
    }
  }
}

function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Decodes exactly one CBOR item that fills `bytes`. */
export function decode(bytes: Uint8Array, limits: Partial<DecodeLimits> = {}): CborValue {
  const reader = new CborReader(bytes, limits);
  const value = reader.readItem();
  if (!reader.atEnd) {
    throw new CborError('CBOR_TRAILING', `${reader.remaining} byte(s) follow the item at offset ${reader.pos}`);
  }
  return value;
}
