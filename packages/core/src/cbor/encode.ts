import { CborError } from './errors.js';
import { CborSimple, CborTag } from './types.js';

/**
 * Values the encoder accepts: every decoded CBOR value, plus plain objects (text-keyed maps) for
 * convenience. Output is RFC 8949 core deterministic encoding (section 4.2.1): shortest heads,
 * definite lengths, map keys in bytewise order of their encodings, floats in their shortest exact form.
 */
export type Encodable =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | readonly Encodable[]
  | ReadonlyMap<Encodable, Encodable>
  | CborTag<Encodable>
  | CborSimple
  | { readonly [key: string]: Encodable };

const MAX_DEPTH = 256;
const UINT64_MAX = (1n << 64n) - 1n;
const textEncoder = new TextEncoder();

class ByteWriter {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  length = 0;
  /** Set while an encode call owns this writer, so that a nested call takes a fresh one. */
  busy = false;

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  /** Writes a text string's head and bytes when it is short and ASCII; false (nothing written) otherwise. */
  asciiText(value: string): boolean {
    const length = value.length;
    if (length >= 24) return false;
    this.reserve(length + 1);
    const start = this.length;
    this.buffer[start] = 0x60 | length;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) return false;
      this.buffer[start + 1 + i] = code;
    }
    this.length = start + 1 + length;
    return true;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  uint16(value: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, value);
    this.length += 2;
  }

  uint32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value);
    this.length += 4;
  }

  uint64(value: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, value);
    this.length += 8;
  }

  float32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, value);
    this.length += 4;
  }

  float64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value);
    this.length += 8;
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  /** The bytes written so far, in place: valid until the writer is next used. */
  written(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

function writeHead(out: ByteWriter, major: number, argument: number | bigint): void {
  const prefix = major << 5;
  if (typeof argument === 'bigint') {
    if (argument <= 0xffffffffn) {
      writeHead(out, major, Number(argument));
      return;
    }
    out.byte(prefix | 27);
    out.uint64(argument);
    return;
  }
  if (argument < 24) {
    out.byte(prefix | argument);
  } else if (argument <= 0xff) {
    out.byte(prefix | 24);
    out.byte(argument);
  } else if (argument <= 0xffff) {
    out.byte(prefix | 25);
    out.uint16(argument);
  } else if (argument <= 0xffffffff) {
    out.byte(prefix | 26);
    out.uint32(argument);
  } else {
    out.byte(prefix | 27);
    out.uint64(BigInt(argument));
  }
}

function writeBigInt(out: ByteWriter, value: bigint): void {
  const negative = value < 0n;
  const magnitude = negative ? -1n - value : value;
  if (magnitude <= UINT64_MAX) {
    writeHead(out, negative ? 1 : 0, magnitude);
    return;
  }
  // Beyond 64 bits: a bignum (tag 2 or 3) whose content has no leading zero bytes.
  let hex = magnitude.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  writeHead(out, 6, negative ? 3 : 2);
  const content = Uint8Array.from(Buffer.from(hex, 'hex'));
  writeHead(out, 2, content.length);
  out.bytes(content);
}

function float16Bits(value: number): number | undefined {
  // Exact half-precision form of value, or undefined when half precision would lose information.
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return sign | 0x7c00;
  if (magnitude === 0) return sign;
  const exponent = Math.floor(Math.log2(magnitude));
  if (exponent > 15) return undefined;
  if (exponent >= -14) {
    const mantissa = (magnitude / 2 ** exponent - 1) * 1024;
    if (!Number.isInteger(mantissa)) return undefined;
    return sign | ((exponent + 15) << 10) | mantissa;
  }
  const subnormal = magnitude / 2 ** -24;
  if (!Number.isInteger(subnormal) || subnormal >= 1024) return undefined;
  return sign | subnormal;
}

function writeFloat(out: ByteWriter, value: number): void {
  const half = float16Bits(value);
  if (half !== undefined) {
    out.byte(0xf9);
    out.uint16(half);
  } else if (Math.fround(value) === value) {
    out.byte(0xfa);
    out.float32(value);
  } else {
    out.byte(0xfb);
    out.float64(value);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

type SimpleKey = { key: number | string; text?: Uint8Array; value: Encodable };

/** Deterministic order of integer and text keys without encoding them first (RFC 8949 4.2.1). */
function keyRank(entry: SimpleKey): number {
  return entry.text ? 2 : (entry.key as number) >= 0 ? 0 : 1;
}

function compareSimpleKeys(a: SimpleKey, b: SimpleKey): number {
  const difference = keyRank(a) - keyRank(b);
  if (difference !== 0) return difference;
  // A text key's head carries its length, so shorter keys sort first whatever their bytes.
  if (a.text && b.text) return a.text.length - b.text.length || compareBytes(a.text, b.text);
  // Unsigned keys sort by value; negative ones by magnitude (-1 before -2), as their heads do.
  return Math.abs(a.key as number) - Math.abs(b.key as number);
}

/** Maps keyed only by safe integers and text (every COSE header and CWT claims map) skip per-key encoding. */
function trySimpleKeys(entries: Array<[Encodable, Encodable]>): SimpleKey[] | undefined {
  const keys: SimpleKey[] = [];
  for (const [key, value] of entries) {
    if (typeof key === 'string') keys.push({ key, text: textEncoder.encode(key), value });
    else if (typeof key === 'number' && Number.isSafeInteger(key) && !Object.is(key, -0)) keys.push({ key, value });
    else return undefined;
  }
  return keys;
}

/** Deterministic order of integer keys: unsigned ones ascending, then negative ones by magnitude (-1, -2, ...). */
function compareIntegerKeys(a: number, b: number): number {
  if (a >= 0 !== b >= 0) return a >= 0 ? -1 : 1;
  return a >= 0 ? a - b : b - a;
}

/**
 * COSE headers and CWT claims are maps keyed by small integers: ordered here directly, without
 * encoding or wrapping each key. Returns false for any other map, which writeMap handles.
 */
function writeIntegerKeyedMap(out: ByteWriter, map: ReadonlyMap<Encodable, Encodable>, depth: number): boolean {
  // Maps built in canonical order (statements build theirs so) are written as they iterate.
  let previous: number | undefined;
  let inOrder = true;
  for (const key of map.keys()) {
    if (typeof key !== 'number' || !Number.isSafeInteger(key) || Object.is(key, -0)) return false;
    if (previous !== undefined && compareIntegerKeys(previous, key) > 0) inOrder = false;
    previous = key;
  }
  if (inOrder) {
    writeHead(out, 5, map.size);
    for (const key of map.keys()) {
      writeItem(out, key, depth + 1);
      writeItem(out, map.get(key) as Encodable, depth + 1);
    }
    return true;
  }
  const keys: number[] = [];
  for (const key of map.keys()) {
    if (typeof key !== 'number' || !Number.isSafeInteger(key) || Object.is(key, -0)) return false;
    // Insertion sort: these maps hold a handful of keys, where it beats Array.prototype.sort with a comparator.
    let i = keys.length;
    while (i > 0 && compareIntegerKeys(keys[i - 1] as number, key) > 0) {
      keys[i] = keys[i - 1] as number;
      i--;
    }
    keys[i] = key;
  }
  writeHead(out, 5, keys.length);
  for (const key of keys) {
    writeItem(out, key, depth + 1);
    writeItem(out, map.get(key) as Encodable, depth + 1);
  }
  return true;
}

function writeMap(out: ByteWriter, entries: Array<[Encodable, Encodable]>, depth: number): void {
  const simple = trySimpleKeys(entries);
  if (simple) {
    simple.sort(compareSimpleKeys);
    for (let i = 1; i < simple.length; i++) {
      if (compareSimpleKeys(simple[i - 1] as SimpleKey, simple[i] as SimpleKey) === 0) throw new CborError('CBOR_UNENCODABLE', 'map has two equal keys');
    }
    writeHead(out, 5, simple.length);
    for (const { key, text, value } of simple) {
      if (text) {
        writeHead(out, 3, text.length);
        out.bytes(text);
      } else {
        writeItem(out, key, depth + 1);
      }
      writeItem(out, value, depth + 1);
    }
    return;
  }
  const encoded: Array<[Uint8Array, Encodable]> = [];
  for (const [key, value] of entries) encoded.push([encodeWith(keyWriter, key, depth + 1), value]);
  encoded.sort((a, b) => compareBytes(a[0], b[0]));
  for (let i = 1; i < encoded.length; i++) {
    if (compareBytes((encoded[i - 1] as [Uint8Array, Encodable])[0], (encoded[i] as [Uint8Array, Encodable])[0]) === 0) {
      throw new CborError('CBOR_UNENCODABLE', 'map has two equal keys');
    }
  }
  writeHead(out, 5, encoded.length);
  for (const [key, value] of encoded) {
    out.bytes(key);
    writeItem(out, value, depth + 1);
  }
}

function writeItem(out: ByteWriter, value: Encodable, depth: number): void {
  if (depth > MAX_DEPTH) throw new CborError('CBOR_UNENCODABLE', `value nests deeper than ${MAX_DEPTH} levels`);
  switch (typeof value) {
    case 'number':
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) {
        if (value >= 0) writeHead(out, 0, value);
        else writeHead(out, 1, -1 - value);
      } else {
        writeFloat(out, value);
      }
      return;
    case 'bigint':
      writeBigInt(out, value);
      return;
    case 'string': {
      if (out.asciiText(value)) return;
      const bytes = textEncoder.encode(value);
      writeHead(out, 3, bytes.length);
      out.bytes(bytes);
      return;
    }
    case 'boolean':
      out.byte(value ? 0xf5 : 0xf4);
      return;
    case 'undefined':
      out.byte(0xf7);
      return;
    case 'object':
      break;
    default:
      throw new CborError('CBOR_UNENCODABLE', `cannot encode a ${typeof value}`);
  }
  if (value === null) {
    out.byte(0xf6);
  } else if (value instanceof Uint8Array) {
    writeHead(out, 2, value.length);
    out.bytes(value);
  } else if (Array.isArray(value)) {
    writeHead(out, 4, value.length);
    for (const item of value as readonly Encodable[]) writeItem(out, item, depth + 1);
  } else if (value instanceof Map) {
    if (!writeIntegerKeyedMap(out, value as ReadonlyMap<Encodable, Encodable>, depth)) writeMap(out, [...value.entries()], depth);
  } else if (value instanceof CborTag) {
    if (!Number.isSafeInteger(value.tag) || value.tag < 0) {
      throw new CborError('CBOR_UNENCODABLE', `tag ${value.tag} is not an unsigned integer`);
    }
    writeHead(out, 6, value.tag);
    writeItem(out, value.value, depth + 1);
  } else if (value instanceof CborSimple) {
    const simple = value.value;
    if (!Number.isInteger(simple) || simple < 0 || simple > 255 || (simple >= 20 && simple < 32)) {
      throw new CborError('CBOR_UNENCODABLE', `simple value ${simple} has no distinct encoding`);
    }
    if (simple < 20) out.byte(0xe0 | simple);
    else {
      out.byte(0xf8);
      out.byte(simple);
    }
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    writeMap(out, Object.entries(value as Record<string, Encodable>), depth);
  } else {
    throw new CborError('CBOR_UNENCODABLE', `cannot encode an instance of ${value.constructor?.name ?? 'unknown class'}`);
  }
}

// Encoding allocates nothing but its result on the hot path (headers, Sig_structures): one writer serves
// top-level items and one serves map keys; a call that finds its writer busy (a map inside a map key)
// takes a fresh one.
const itemWriter = new ByteWriter();
const keyWriter = new ByteWriter();

function encodeWith(writer: ByteWriter, value: Encodable, depth: number): Uint8Array {
  const out = writer.busy ? new ByteWriter() : writer;
  out.busy = true;
  out.length = 0;
  try {
    writeItem(out, value, depth);
    return out.result();
  } finally {
    out.busy = false;
  }
}

/** Encodes one value as deterministic CBOR. */
export function encode(value: Encodable, depth = 0): Uint8Array {
  return encodeWith(itemWriter, value, depth);
}

/**
 * `prefix`, then `value` encoded and wrapped in a byte string, then byte strings of each of `after`,
 * all in one allocation: how COSE builds a Sig_structure around a protected header it has just
 * encoded. Returns the bytes and where the value's own encoding lies in them.
 */
export function concatEncodedAround(prefix: Uint8Array, value: Encodable, ...after: Uint8Array[]): { bytes: Uint8Array; start: number; end: number } {
  const out = itemWriter.busy ? new ByteWriter() : itemWriter;
  out.busy = true;
  out.length = 0;
  try {
    writeItem(out, value, 0);
    const encoded = out.written();
    let total = prefix.length + byteStringHeadLength(encoded.length) + encoded.length;
    for (const part of after) total += byteStringHeadLength(part.length) + part.length;
    const bytes = new Uint8Array(total);
    bytes.set(prefix, 0);
    let offset = writeByteStringHead(bytes, prefix.length, encoded.length);
    const start = offset;
    bytes.set(encoded, offset);
    offset += encoded.length;
    for (const part of after) {
      offset = writeByteStringHead(bytes, offset, part.length);
      bytes.set(part, offset);
      offset += part.length;
    }
    return { bytes, start, end: start + encoded.length };
  } finally {
    out.busy = false;
  }
}

/** Writes the shortest head of a byte string of `length` at `offset` of `out`; returns where its content starts. */
export function writeByteStringHead(out: Uint8Array, offset: number, length: number): number {
  if (length < 24) {
    out[offset] = 0x40 | length;
    return offset + 1;
  }
  if (length <= 0xff) {
    out[offset] = 0x58;
    out[offset + 1] = length;
    return offset + 2;
  }
  if (length <= 0xffff) {
    out[offset] = 0x59;
    out[offset + 1] = length >> 8;
    out[offset + 2] = length & 0xff;
    return offset + 3;
  }
  const head = byteStringHead(length);
  out.set(head, offset);
  return offset + head.length;
}

/** The head of a byte string of `length` bytes: lets callers frame large payloads without copying them. */
export function byteStringHead(length: number): Uint8Array {
  if (length < 24) return Uint8Array.of(0x40 | length);
  if (length <= 0xff) return Uint8Array.of(0x58, length);
  if (length <= 0xffff) return Uint8Array.of(0x59, length >> 8, length & 0xff);
  const out = new ByteWriter();
  writeHead(out, 2, length);
  return out.result();
}

/** A fragment of a hand-framed CBOR item: bytes already encoded, or raw bytes to write as a byte string. */
export type EncodedPart = Uint8Array | { readonly byteString: Uint8Array };

export function byteStringHeadLength(length: number): number {
  return length < 24 ? 1 : length <= 0xff ? 2 : length <= 0xffff ? 3 : length <= 0xffffffff ? 5 : 9;
}

/**
 * Concatenates encoded fragments and byte strings (head written here) into one buffer: the framing of
 * COSE structures whose parts must keep their exact bytes, in one allocation.
 */
export function concatEncoded(parts: readonly EncodedPart[]): Uint8Array {
  let total = 0;
  for (const part of parts) {
    total += part instanceof Uint8Array ? part.length : byteStringHeadLength(part.byteString.length) + part.byteString.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    if (part instanceof Uint8Array) {
      out.set(part, offset);
      offset += part.length;
      continue;
    }
    const bytes = part.byteString;
    const head = bytes.length < 24 || bytes.length > 0xffff ? byteStringHead(bytes.length) : undefined;
    if (head) {
      out.set(head, offset);
      offset += head.length;
    } else if (bytes.length <= 0xff) {
      out[offset++] = 0x58;
      out[offset++] = bytes.length;
    } else {
      out[offset++] = 0x59;
      out[offset++] = bytes.length >> 8;
      out[offset++] = bytes.length & 0xff;
    }
    out.set(bytes, offset);
    offset += bytes.length;
  }
  return out;
}
