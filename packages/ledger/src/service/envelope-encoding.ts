import { byteStringHead, RegistrationError, type Sign1 } from '@countersign/core';

const TAG_18 = 0xd2;
const ARRAY_OF_4 = 0x84;

/**
 * Refuses a COSE_Sign1 whose envelope (tag, array head, and the length heads of the protected
 * header, payload and signature) is not in CBOR preferred serialization (RFC 8949 section 4.1):
 * shortest heads, definite lengths. None of those bytes is signed, so without this rule anyone
 * could re-encode a statement into any number of byte strings, each a new log entry. COSE
 * encoders write these heads in preferred form (countersign's does), so honest signers lose nothing. The unprotected
 * header is not checked: the ledger drops it. Reads a few head bytes at known offsets, no decode.
 */
export function assertPreferredEnvelope(message: Sign1): void {
  const bytes = message.encoded;
  if (bytes[0] !== TAG_18 || bytes[1] !== ARRAY_OF_4) {
    throw notPreferred('tag 18 and the array of four must be one byte each (0xd2 0x84)');
  }
  const [unprotectedStart, unprotectedEnd] = message.unprotectedSpan;
  const afterProtected = expectByteString(bytes, 2, message.protectedBytes, 'protected header');
  if (afterProtected !== unprotectedStart) throw notPreferred('the protected header is not one definite-length byte string with the shortest length head');
  const afterPayload = expectByteString(bytes, unprotectedEnd, message.payload ?? new Uint8Array(0), 'payload');
  if (expectByteString(bytes, afterPayload, message.signature, 'signature') !== bytes.length) {
    throw notPreferred('the signature is not one definite-length byte string with the shortest length head');
  }
}

/** Where the byte string `value` ends if it sits at `at` with the shortest definite head; throws otherwise. */
function expectByteString(bytes: Uint8Array, at: number, value: Uint8Array, what: string): number {
  const head = byteStringHead(value.length);
  for (let i = 0; i < head.length; i++) {
    if (bytes[at + i] !== head[i]) throw notPreferred(`the ${what} is not one definite-length byte string with the shortest length head`);
  }
  return at + head.length + value.length;
}

function notPreferred(detail: string): RegistrationError {
  return new RegistrationError('REGISTRATION_NOT_PREFERRED_ENCODING', `COSE_Sign1 is not in CBOR preferred serialization: ${detail}`);
}
