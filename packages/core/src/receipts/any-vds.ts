import type { Sign1 } from '../cose/sign1.js';
import { HeaderLabel } from '../cose/headers.js';
import { VDS_CCF_LEDGER_SHA256 } from './ccf.js';
import { verifyCcfReceipt, type VerifiedCcfReceipt } from './ccf-verify.js';
import { VDS_RFC9162_SHA256 } from './constants.js';
import { ReceiptError } from './errors.js';
import { taggedReceipt, type ReceiptInput } from './read.js';
import { verifyInclusionReceipt, type ReceiptVerifyOptions, type ResolveReceiptKey, type VerifiedReceipt } from './verify.js';

/** A verified receipt of either structure countersign handles, told apart by `vds`. */
export type AnyVerifiedReceipt = (VerifiedReceipt & { readonly vds: typeof VDS_RFC9162_SHA256 }) | (VerifiedCcfReceipt & { readonly vds: typeof VDS_CCF_LEDGER_SHA256 });

/** The verifier's fresh result, told apart by vds: added in place, as spreading it into a new object is V8's slow path (per artifact). */
function withVds<R extends object, V extends number>(receipt: R, vds: V): R & { readonly vds: V } {
  const tagged = receipt as R & { vds: V };
  tagged.vds = vds;
  return tagged;
}

/**
 * Verifies a receipt for a statement whatever its verifiable data structure: vds 1 (RFC9162_SHA256,
 * the embedded ledger) with verifyInclusionReceipt, vds 2 (CCF_LEDGER_SHA256, Microsoft Signing
 * Transparency) with verifyCcfReceipt. An untagged receipt is RECEIPT_UNTAGGED, one without 395
 * RECEIPT_MALFORMED, any other vds RECEIPT_UNSUPPORTED_VDS (it counts as not verified).
 */
export function verifyReceipt(receipt: ReceiptInput, statement: Uint8Array | Sign1, resolveKey: ResolveReceiptKey, options: ReceiptVerifyOptions = {}): AnyVerifiedReceipt {
  const message = taggedReceipt(receipt);
  const vds = message.protectedHeader.get(HeaderLabel.verifiableDataStructure);
  if (vds === VDS_RFC9162_SHA256) return withVds(verifyInclusionReceipt(message, statement, resolveKey, options), vds);
  if (vds === VDS_CCF_LEDGER_SHA256) return withVds(verifyCcfReceipt(message, statement, resolveKey, options), vds);
  if (vds === undefined) throw new ReceiptError('RECEIPT_MALFORMED', 'receipt names no verifiable data structure (protected label 395)');
  throw new ReceiptError('RECEIPT_UNSUPPORTED_VDS', `receipt uses verifiable data structure ${String(vds)}; countersign verifies 1 (RFC9162_SHA256) and 2 (CCF_LEDGER_SHA256)`);
}
