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
const INDEFINITE = -1;

interface Head {
  major: number;
  info: number;
  /** The argument; INDEFINITE for indefinite lengths; a bigint only when it does not fit a safe integer. */
  argument: number | bigint;
}

/**
 * A cursor over CBOR bytes. `readItem` decodes the next item; `pos` tells where it ended, so
 * callers such as COSE can keep the exact bytes of an item as they were received.
 */
export class CborReader {
  pos: number;
  private items = 0;
  private readonly limits: DecodeLimits;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    limits: Partial<DecodeLimits> = {},
    start = 0,
  ) {
    this.limits = { ...DEFAULT_DECODE_LIMITS, ...limits };
    if (bytes.length > this.limits.maxInputSize) {
      throw new CborError('CBOR_LIMIT', `input of ${bytes.length} bytes exceeds the ${this.limits.maxInputSize}-byte limit`);
    }
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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

  /** Reads the initial byte and argument of the next item. */
  readHead(): Head {
    this.need(1);
    const initial = this.bytes[this.pos++] as number;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (info < 24) return { major, info, argument: info };
    switch (info) {
      case 24:
        this.need(1);
        return { major, info, argument: this.bytes[this.pos++] as number };
      case 25:
        this.need(2);
        this.pos += 2;
        return { major, info, argument: this.view.getUint16(this.pos - 2) };
      case 26:
        this.need(4);
        this.pos += 4;
        return { major, info, argument: this.view.getUint32(this.pos - 4) };
      case 27: {
        this.need(8);
        const value = this.view.getBigUint64(this.pos);
        this.pos += 8;
        return { major, info, argument: value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value };
      }
      case 31:
        if (major === 0 || major === 1 || major === 6) {
          throw new CborError('CBOR_MALFORMED', `indefinite length is not allowed for major type ${major} at offset ${this.pos - 1}`);
        }
        return { major, info, argument: INDEFINITE };
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
      const value = this.bytes.slice(this.pos, this.pos + length);
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
      const head = this.readHead();
      if (head.major !== major || head.argument === INDEFINITE) {
        throw new CborError('CBOR_MALFORMED', `indefinite string holds a chunk of another kind at offset ${this.pos - 1}`);
      }
      this.countItem();
      const chunk = this.readString(major, head.argument);
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
    const { major, info, argument } = this.readHead();
    switch (major) {
      case 0:
        return argument;
      case 1:
        return typeof argument === 'bigint' ? -1n - argument : argument === Number.MAX_SAFE_INTEGER ? -1n - BigInt(argument) : -1 - argument;
      case 2:
        return this.readString(2, argument);
      case 3:
        try {
          return utf8.decode(this.readString(3, argument));
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
    const byteKeys = new Set<string>();
    const readEntry = (): void => {
      const keyStart = this.pos;
      const key = this.readItem(depth + 1);
      // Keys with identity semantics in a Map (bytes, arrays, tags) are compared by their encoding.
      const isValueKey = key === null || typeof key !== 'object';
      const duplicate = isValueKey ? map.has(key) : byteKeys.has(Buffer.from(this.bytes.subarray(keyStart, this.pos)).toString('hex'));
      if (duplicate) throw new CborError('CBOR_MALFORMED', `map repeats a key at offset ${keyStart}`);
      if (!isValueKey) byteKeys.add(Buffer.from(this.bytes.subarray(keyStart, this.pos)).toString('hex'));
      map.set(key, this.readItem(depth + 1));
    };
    if (argument === INDEFINITE) {
      while (!this.isBreak()) readEntry();
      return map;
    }
    const count = this.length(argument, 2, this.limits.maxItems, 'map');
    for (let i = 0; i < count; i++) readEntry();
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
        return this.view.getFloat32(this.pos - 4);
      case 27:
        return this.view.getFloat64(this.pos - 8);
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
