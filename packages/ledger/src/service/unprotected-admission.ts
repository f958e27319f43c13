import { decodeSign1, HeaderLabel, MAX_RECEIPT_SIZE, RegistrationError, type SignedStatement } from '@countersign/core';

/**
 * The unprotected header a statement may arrive with: nothing, or receipts (label 394) from other
 * services, each a tagged COSE_Sign1 with a detached payload, as when a transparent statement is
 * logged with a second service. The ledger stores and serves only the signed bytes with its own
 * receipt, so nothing unprotected is kept; anything else there (a kid or x5chain the signature
 * does not cover, junk in 394) is refused rather than silently dropped, so that a statement that
 * leans on it is not accepted now and found unverifiable later. Foreign receipts are not verified:
 * they are discarded, and cannot affect what this ledger serves.
 */
export function admitUnprotectedHeader(statement: SignedStatement): void {
  const header = statement.message.unprotectedHeader;
  if (header.size === 0) return;
  for (const label of header.keys()) {
    if (label !== HeaderLabel.receipts) {
      throw new RegistrationError('REGISTRATION_UNPROTECTED_HEADER', `unprotected header label ${String(label)} is not accepted: only receipts (394) may be unprotected`);
    }
  }
  // parseSignedStatement already read label 394 into byte strings, or refused it when it is not an array.
  statement.receipts.forEach((receipt, i) => {
    try {
      if (decodeSign1(receipt, { requireTag: true, limits: { maxInputSize: MAX_RECEIPT_SIZE } }).payload !== null) throw new Error("its payload is not detached (nil)");
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new RegistrationError('REGISTRATION_UNPROTECTED_HEADER', `receipt ${i} in unprotected label 394 is not a tagged COSE_Sign1 receipt: ${why}`);
    }
  });
}
