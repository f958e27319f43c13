import * as crypto from 'node:crypto';
import { decodeSign1, type Sign1 } from '../cose/sign1.js';
import { leafHash } from '../merkle/hash.js';

const EMPTY_MAP = Uint8Array.of(0xa0);
// One call instead of an object and four (Node 20.12+); most statements have nothing unprotected yet.
const hashOnce = (crypto as { hash?: <E extends 'buffer' | 'hex'>(algorithm: string, data: Uint8Array, encoding: E) => E extends 'hex' ? string : Buffer }).hash;

/**
 * A statement's log entry: SHA-256 of the statement with its unprotected header replaced by an empty
 * map, every other byte (tag, protected header, payload, signature) as received. Receipts live in the
 * unprotected header, so embedding them never changes the entry.
 */
export function statementEntry(statement: Uint8Array | Sign1): Uint8Array {
  const message = statement instanceof Uint8Array ? decodeSign1(statement) : statement;
  const [start, end] = message.unprotectedSpan;
  if (hashOnce && end === start + 1 && message.encoded[start] === 0xa0) {
    const digest = hashOnce('sha256', message.encoded, 'buffer');
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  }
  const hash = crypto.createHash('sha256');
  hash.update(message.encoded.subarray(0, start)).update(EMPTY_MAP).update(message.encoded.subarray(end));
  return new Uint8Array(hash.digest());
}

/** statementEntry as hex, the form verdicts report (without a Buffer in between when nothing is unprotected). */
export function statementEntryHex(message: Sign1): string {
  const [start, end] = message.unprotectedSpan;
  if (hashOnce && end === start + 1 && message.encoded[start] === 0xa0) return hashOnce('sha256', message.encoded, 'hex');
  return Buffer.from(statementEntry(message)).toString('hex');
}

/** The statement's Merkle leaf: SHA-256(0x00 || entry). */
export function statementLeafHash(statement: Uint8Array | Sign1): Uint8Array {
  return leafHash(statementEntry(statement));
}
