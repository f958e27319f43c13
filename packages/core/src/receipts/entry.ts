import { decodeSign1, type Sign1 } from '../cose/sign1.js';
import { hashBytes, hashText } from '../digest/hash-once.js';
import { toHex } from '../hex.js';
import { leafHash } from '../merkle/hash.js';

// A verification asks for the entry once per receipt and once for its verdict, all for the same decoded
// message (whose bytes are never changed once decoded), one after another: the message hashed last keeps
// its entry until the verdict takes it. One slot rather than a WeakMap: a WeakMap entry per statement
// cost the garbage collector more than the hash it saved (and a WeakRef keeps its message alive until
// the synchronous run of verifications ends, so does worse).
let last: { message: Sign1; entry: Uint8Array } | undefined;

function lastEntryOf(message: Sign1): Uint8Array | undefined {
  return last !== undefined && last.message === message ? last.entry : undefined;
}

let scratch = new Uint8Array(4096);

/** The bytes the entry hashes: the message itself when its unprotected header is already empty. */
function entryInput(message: Sign1): Uint8Array {
  const [start, end] = message.unprotectedSpan;
  // Most statements have nothing unprotected yet: their bytes are the entry's input as they are.
  if (end === start + 1 && message.encoded[start] === 0xa0) return message.encoded;
  // Put together in a buffer kept for the purpose: a fresh typed array per statement costs more than hashing it.
  // Callers hash it before anything else can write to it.
  const length = message.encoded.length - (end - start) + 1;
  if (length > scratch.length) scratch = new Uint8Array(Math.max(length, 2 * scratch.length));
  scratch.set(message.encoded.subarray(0, start), 0);
  scratch[start] = 0xa0;
  scratch.set(message.encoded.subarray(end), start + 1);
  return scratch.subarray(0, length);
}

/**
 * A statement's log entry: SHA-256 of the statement with its unprotected header replaced by an empty
 * map, every other byte (tag, protected header, payload, signature) as received. Receipts live in the
 * unprotected header, so embedding them never changes the entry. Treat the result as read-only.
 */
export function statementEntry(statement: Uint8Array | Sign1): Uint8Array {
  const message = statement instanceof Uint8Array ? decodeSign1(statement) : statement;
  let entry = lastEntryOf(message);
  if (entry === undefined) {
    entry = hashBytes('sha256', entryInput(message));
    last = { message, entry };
  }
  return entry;
}

/**
 * statementEntry as hex, the form verdicts report. A statement without receipts needs the entry only
 * here: then it is hashed straight to hex in one native call and not kept (keeping it costs more than
 * the hash, and nothing would read it again).
 */
export function statementEntryHex(message: Sign1): string {
  const entry = lastEntryOf(message);
  if (entry === undefined) return hashText('sha256', entryInput(message), 'hex');
  // The verdict is the entry's last reader: the slot lets the message go.
  last = undefined;
  return toHex(entry);
}

/** The statement's Merkle leaf: SHA-256(0x00 || entry). */
export function statementLeafHash(statement: Uint8Array | Sign1): Uint8Array {
  return leafHash(statementEntry(statement));
}
