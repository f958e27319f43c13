import { decodeSign1, encode, HeaderLabel, statementEntry, withEmptyUnprotectedHeader, type Sign1 } from '@countersign/core';

/**
 * What the ledger stores for an admitted statement: its bytes with an empty unprotected header,
 * exactly the bytes its entry (and so its receipt) covers, and that entry. Storing anything
 * unprotected would let the first submitter decide what every later reader of the entry gets.
 */
export function storedForm(message: Sign1): { bytes: Uint8Array; entry: Uint8Array } {
  const [start, end] = message.unprotectedSpan;
  const bare = end === start + 1 && message.encoded[start] === 0xa0;
  return { bytes: bare ? message.encoded : withEmptyUnprotectedHeader(message), entry: statementEntry(message) };
}

/**
 * The transparent statement for a stored statement: its unprotected header replaced by one holding
 * only this ledger's receipt, every other byte kept. Ledgers written before statements were stored
 * bare may hold an unprotected header (junk, foreign or fake receipts); it is never served.
 */
export function withOwnReceipt(stored: Uint8Array, receipt: Uint8Array): Uint8Array {
  const message = decodeSign1(stored, { requireTag: true, limits: { maxInputSize: stored.length } });
  const [start, end] = message.unprotectedSpan;
  const header = encode(new Map([[HeaderLabel.receipts, [receipt]]]));
  const out = new Uint8Array(start + header.length + (stored.length - end));
  out.set(stored.subarray(0, start), 0);
  out.set(header, start);
  out.set(stored.subarray(end), start + header.length);
  return out;
}
