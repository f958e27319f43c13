import { encode, type Encodable } from '../cbor/index.js';
import { HeaderLabel } from '../cose/headers.js';
import { encodeSign1, sigStructure } from '../cose/sign1.js';
import type { Signer } from '../cose/signer.js';
import { checkHash } from '../merkle/checks.js';
import { CwtClaim } from '../statement/cwt-claims.js';
import { TREE_SIZE_LABEL, VDS_RFC9162_SHA256 } from './constants.js';
import { ReceiptError } from './errors.js';

/**
 * One signature over one tree root, shared by every receipt cut from it: the protected header
 * (alg, kid, vds 1, CWT iss and iat) and the signature over Sig_structure with the root as the
 * detached payload.
 */
export interface SignedTreeHead {
  readonly protectedBytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly root: Uint8Array;
}

export interface TreeHeadToSign {
  /** The RFC 9162 root of the tree the batch's receipts prove inclusion in. */
  root: Uint8Array;
  /** CWT iss: the service. */
  issuer: string;
  /** CWT iat, seconds since the epoch: the registration time verifiers judge certificates at. */
  issuedAt?: number;
  /** The service key; its keyId becomes the receipt kid. */
  signer: Signer;
  /** The size of the tree `root` is the root of, signed in TREE_SIZE_LABEL so receipts pin it. */
  treeSize?: number;
}

/** The protected header of a vds 1 receipt signed by `signer`. */
export function treeHeadProtectedHeader(input: Omit<TreeHeadToSign, 'root'>): Uint8Array {
  if (typeof input.issuer !== 'string' || input.issuer.length === 0) throw new ReceiptError('RECEIPT_MALFORMED', 'a tree head needs a non-empty issuer');
  const claims = new Map<number, Encodable>([[CwtClaim.iss, input.issuer]]);
  if (input.issuedAt !== undefined) {
    if (!Number.isSafeInteger(input.issuedAt) || input.issuedAt < 0) {
      throw new ReceiptError('RECEIPT_MALFORMED', `tree head iat ${String(input.issuedAt)} is not a whole number of seconds since the epoch`);
    }
    claims.set(CwtClaim.iat, input.issuedAt);
  }
  const header = new Map<number, Encodable>([
    [HeaderLabel.alg, input.signer.algorithm.id],
    [HeaderLabel.kid, input.signer.keyId],
    [HeaderLabel.cwtClaims, claims],
    [HeaderLabel.verifiableDataStructure, VDS_RFC9162_SHA256],
  ]);
  if (input.treeSize !== undefined) {
    if (!Number.isSafeInteger(input.treeSize) || input.treeSize < 1) throw new ReceiptError('RECEIPT_MALFORMED', `tree size ${String(input.treeSize)} is not a positive whole number`);
    header.set(TREE_SIZE_LABEL, input.treeSize);
  }
  return encode(header);
}

/** Signs a tree head: one signing operation per batch, whatever the number of receipts cut from it. */
export async function signTreeHead(input: TreeHeadToSign): Promise<SignedTreeHead> {
  checkHash(input.root, 'tree root');
  const root = input.root.slice();
  const protectedBytes = treeHeadProtectedHeader(input);
  const signature = await input.signer.sign(sigStructure(protectedBytes, root));
  return { protectedBytes, signature, root };
}

/** A tree head on its own, for clients that track the log: the batch signature with the root attached. */
export function treeHeadMessage(head: SignedTreeHead): Uint8Array {
  return encodeSign1({ protectedBytes: head.protectedBytes, unprotectedHeader: new Map(), payload: head.root, signature: head.signature });
}
