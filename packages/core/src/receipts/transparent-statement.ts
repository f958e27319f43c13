import { CborReader, CborTag, encode, type CborValue, type Encodable } from '../cbor/index.js';
import { HeaderLabel } from '../cose/headers.js';
import { decodeSign1, type Sign1 } from '../cose/sign1.js';
import { sameBytes } from '../merkle/checks.js';
import { ReceiptError } from './errors.js';
import { decodeReceipt } from './read.js';

const RECEIPTS_KEY = encode(HeaderLabel.receipts);

/** Receipts from a label-394 value: bstr-wrapped, or (older writers) the receipts themselves, re-encoded. */
function receiptList(value: CborValue): Uint8Array[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ReceiptError('RECEIPT_MALFORMED', 'receipts (unprotected label 394) are not an array');
  return value.map((item, i) => {
    if (item instanceof Uint8Array) return item;
    if ((item instanceof CborTag && item.tag === 18) || (Array.isArray(item) && item.length === 4)) return encode(item as Encodable);
    throw new ReceiptError('RECEIPT_MALFORMED', `receipt ${i} in label 394 is neither a byte string nor a COSE_Sign1`);
  });
}

/** The receipts a transparent statement carries in unprotected label 394 (none for a bare signed statement). */
export function receiptsOf(statement: Uint8Array | Sign1): Uint8Array[] {
  const message = statement instanceof Uint8Array ? decodeSign1(statement) : statement;
  return receiptList(message.unprotectedHeader.get(HeaderLabel.receipts));
}

function mapHead(count: number): Uint8Array {
  if (count < 24) return Uint8Array.of(0xa0 | count);
  if (count < 0x100) return Uint8Array.of(0xb8, count);
  if (count < 0x10000) return Uint8Array.of(0xb9, count >> 8, count & 0xff);
  return Uint8Array.of(0xba, count >>> 24, (count >> 16) & 0xff, (count >> 8) & 0xff, count & 0xff);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The unprotected header with label 394 set to `receipts`, every other entry kept byte for byte; a
 * new 394 goes where deterministic key order puts it. An indefinite-length map is re-encoded whole.
 */
function unprotectedWith(message: Sign1, receipts: readonly Uint8Array[]): Uint8Array {
  const receiptsEntry = concat([RECEIPTS_KEY, encode(receipts)]);
  const [start] = message.unprotectedSpan;
  const reader = new CborReader(message.encoded, {}, start);
  const head = reader.readHead();
  if (typeof head.argument !== 'number' || head.argument < 0) {
    const header = new Map(message.unprotectedHeader as Map<Encodable, Encodable>);
    header.set(HeaderLabel.receipts, receipts);
    return encode(header);
  }
  const entries: { key: Uint8Array; bytes: Uint8Array }[] = [];
  let replaced = false;
  for (let i = 0; i < head.argument; i++) {
    const keyStart = reader.pos;
    const key = reader.readItem(1);
    const keyEnd = reader.pos;
    reader.readItem(1);
    if (key === HeaderLabel.receipts) {
      entries.push({ key: RECEIPTS_KEY, bytes: receiptsEntry });
      replaced = true;
    } else {
      entries.push({ key: message.encoded.subarray(keyStart, keyEnd), bytes: message.encoded.subarray(keyStart, reader.pos) });
    }
  }
  if (!replaced) {
    const at = entries.findIndex((entry) => compareBytes(entry.key, RECEIPTS_KEY) > 0);
    entries.splice(at < 0 ? entries.length : at, 0, { key: RECEIPTS_KEY, bytes: receiptsEntry });
  }
  return concat([mapHead(entries.length), ...entries.map((entry) => entry.bytes)]);
}

/**
 * Writes receipts into a statement's unprotected label 394 as an array of bstr, after those already
 * there (byte-equal receipts count once). Every byte outside the unprotected header (tag, protected
 * header, payload, signature) is kept, so the issuer's signature and the log entry are unchanged.
 * Each receipt must be a tagged COSE_Sign1.
 */
export function embedReceipts(statement: Uint8Array, receipts: readonly Uint8Array[]): Uint8Array {
  const message = decodeSign1(statement);
  const merged: Uint8Array[] = [];
  const add = (receipt: Uint8Array): void => {
    if (!merged.some((known) => sameBytes(known, receipt))) merged.push(receipt);
  };
  receiptsOf(message).forEach(add);
  for (const receipt of receipts) {
    decodeReceipt(receipt, true);
    add(receipt);
  }
  const [start, end] = message.unprotectedSpan;
  return concat([message.encoded.subarray(0, start), unprotectedWith(message, merged), message.encoded.subarray(end)]);
}
