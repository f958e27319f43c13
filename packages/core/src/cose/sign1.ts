import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { CborReader, byteStringHeadLength, writeByteStringHead, concatEncoded, concatEncodedAround, decode, encode, type CborMap, type CborValue, type DecodeLimits, type Encodable } from '../cbor/index.js';
import { CborError } from '../cbor/errors.js';
import { algorithmById, type SignatureAlgorithm } from './algorithms.js';
import { CoseError } from './errors.js';
import { COSE_UNDERSTOOD_LABELS, HeaderLabel, headerLabelName } from './headers.js';
import { assertKeyFits, curveOf, describeKey } from './keys.js';
import type { Signer } from './signer.js';

export const COSE_SIGN1_TAG = 18;

/**
 * A decoded COSE_Sign1 (RFC 9052 section 4.2). The protected header is kept as the exact bytes
 * received. Its byte strings may be views into `encoded` (or into the Sig_structure it was signed
 * over) rather than copies: treat them as read-only.
 */
export interface Sign1 {
  readonly protectedBytes: Uint8Array;
  readonly protectedHeader: CborMap;
  readonly unprotectedHeader: CborMap;
  readonly payload: Uint8Array | null;
  readonly signature: Uint8Array;
  readonly tagged: boolean;
  /** The bytes this message was decoded from (or encoded to), and where its unprotected header lies in them. */
  readonly encoded: Uint8Array;
  readonly unprotectedSpan: readonly [start: number, end: number];
}

export interface DecodeSign1Options {
  limits?: Partial<DecodeLimits>;
  /** Refuse untagged input (receipts and registered statements must be tagged). */
  requireTag?: boolean;
}

function malformed(reason: string): CoseError {
  return new CoseError('COSE_MALFORMED', reason);
}

/** Reads a COSE_Sign1, tagged (18) or untagged. */
export function decodeSign1(bytes: Uint8Array, options: DecodeSign1Options = {}): Sign1 {
  const reader = new CborReader(bytes, options.limits);
  let head = reader.readHead();
  let tagged = false;
  if (head.major === 6) {
    if (head.argument !== COSE_SIGN1_TAG) {
      throw new CoseError('COSE_WRONG_TAG', `tagged ${String(head.argument)}, not 18 (COSE_Sign1)`);
    }
    tagged = true;
    head = reader.readHead();
  } else if (options.requireTag) {
    throw new CoseError('COSE_UNTAGGED', 'COSE_Sign1 must carry tag 18');
  }
  if (head.major !== 4 || head.argument !== 4) throw malformed('COSE_Sign1 must be an array of four items');

  // The byte strings are views into `bytes`, which the message keeps (as `encoded`) anyway.
  const protectedBytes = reader.readByteStringView(1) ?? reader.readItem(1);
  if (!(protectedBytes instanceof Uint8Array)) throw malformed('protected header must be a byte string');
  const unprotectedStart = reader.pos;
  const unprotectedHeader = reader.readItem(1);
  if (!(unprotectedHeader instanceof Map)) throw malformed('unprotected header must be a map');
  const unprotectedEnd = reader.pos;
  const payload = reader.readByteStringView(1) ?? reader.readItem(1);
  if (!(payload instanceof Uint8Array) && payload !== null) throw malformed('payload must be a byte string or nil');
  const signature = reader.readByteStringView(1) ?? reader.readItem(1);
  if (!(signature instanceof Uint8Array)) throw malformed('signature must be a byte string');
  if (!reader.atEnd) throw new CborError('CBOR_TRAILING', `${reader.remaining} byte(s) follow the COSE_Sign1`);

  const protectedHeader = decodeProtectedHeader(protectedBytes, options.limits);
  for (const label of unprotectedHeader.size === 0 ? [] : protectedHeader.keys()) {
    if (unprotectedHeader.has(label)) throw malformed(`header ${headerLabelName(label)} appears in both the protected and unprotected headers`);
  }
  return {
    protectedBytes,
    protectedHeader,
    unprotectedHeader,
    payload,
    signature,
    tagged,
    encoded: bytes,
    unprotectedSpan: [unprotectedStart, unprotectedEnd],
  };
}

function decodeProtectedHeader(bytes: Uint8Array, limits?: Partial<DecodeLimits>): CborMap {
  if (bytes.length === 0) return new Map();
  const header = decode(bytes, limits);
  if (!(header instanceof Map)) throw malformed('protected header does not hold a map');
  return header;
}

const TAG_AND_ARRAY = Uint8Array.of(0xd2, 0x84); // tag 18, array of 4
const NIL = Uint8Array.of(0xf6);
const SIG_STRUCTURE_PREFIX = Uint8Array.of(0x84, ...encode('Signature1')); // array of 4, "Signature1"
const EMPTY = new Uint8Array(0);
const EMPTY_MAP = Uint8Array.of(0xa0);

/** Writes a COSE_Sign1, always tagged, with the protected header bytes exactly as held. */
export function encodeSign1(parts: Pick<Sign1, 'protectedBytes' | 'unprotectedHeader' | 'payload' | 'signature'>): Uint8Array {
  return encodeSign1Parts(parts, encode(parts.unprotectedHeader as Map<Encodable, Encodable>));
}

/** Frames the message in one allocation, no intermediate parts. */
function encodeSign1Parts(parts: Pick<Sign1, 'protectedBytes' | 'payload' | 'signature'>, unprotectedBytes: Uint8Array): Uint8Array {
  const { protectedBytes, payload, signature } = parts;
  const out = new Uint8Array(
    TAG_AND_ARRAY.length + byteStringSize(protectedBytes.length) + unprotectedBytes.length + (payload ? byteStringSize(payload.length) : NIL.length) + byteStringSize(signature.length),
  );
  out.set(TAG_AND_ARRAY, 0);
  let offset = putByteString(out, TAG_AND_ARRAY.length, protectedBytes);
  out.set(unprotectedBytes, offset);
  offset += unprotectedBytes.length;
  if (payload) {
    offset = putByteString(out, offset, payload);
  } else {
    out.set(NIL, offset);
    offset += NIL.length;
  }
  putByteString(out, offset, signature);
  return out;
}

/** The bytes a COSE_Sign1 signature covers: ["Signature1", protected, external_aad, payload]. */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array, externalAad: Uint8Array = EMPTY): Uint8Array {
  return concatEncoded([SIG_STRUCTURE_PREFIX, { byteString: protectedBytes }, { byteString: externalAad }, { byteString: payload }]);
}

// Verification reads its Sig_structure synchronously and keeps nothing: one buffer, grown as needed, serves every call.
let scratch = new Uint8Array(1024);

/**
 * sigStructure written into a shared buffer: only for a consumer that is done with it before it returns
 * (and keeps a copy of anything it wants later).
 */
export function transientSigStructure(protectedBytes: Uint8Array, payload: Uint8Array, externalAad: Uint8Array = EMPTY): Uint8Array {
  const total =
    SIG_STRUCTURE_PREFIX.length +
    byteStringHeadLength(protectedBytes.length) +
    protectedBytes.length +
    byteStringHeadLength(externalAad.length) +
    externalAad.length +
    byteStringHeadLength(payload.length) +
    payload.length;
  if (total > scratch.length) {
    // Large embedded payloads get their own buffer rather than pinning a large scratch forever.
    if (total > 64 * 1024) return sigStructure(protectedBytes, payload, externalAad);
    scratch = new Uint8Array(Math.max(total, scratch.length * 2));
  }
  scratch.set(SIG_STRUCTURE_PREFIX, 0);
  let offset = putByteString(scratch, SIG_STRUCTURE_PREFIX.length, protectedBytes);
  offset = putByteString(scratch, offset, externalAad);
  offset = putByteString(scratch, offset, payload);
  return scratch.subarray(0, offset);
}

/** Writes `bytes` as a byte string (head and content) at `offset`; returns where it ends. */
function putByteString(out: Uint8Array, offset: number, bytes: Uint8Array): number {
  const start = writeByteStringHead(out, offset, bytes.length);
  out.set(bytes, start);
  return start + bytes.length;
}

/** Bytes a byte string of `length` takes, head included. */
const byteStringSize = (length: number): number => byteStringHeadLength(length) + length;

/** The signature algorithm named in the protected header (an alg only in the unprotected header is not trusted). */
export function signatureAlgorithmOf(message: Pick<Sign1, 'protectedHeader' | 'unprotectedHeader'>): SignatureAlgorithm {
  const alg = message.protectedHeader.get(HeaderLabel.alg);
  if (alg === undefined) {
    const hint = message.unprotectedHeader.has(HeaderLabel.alg) ? ' (it is only in the unprotected header, where it is not signed)' : '';
    throw new CoseError('COSE_MISSING_ALGORITHM', `protected header has no alg${hint}`);
  }
  return algorithmById(alg);
}

/**
 * Checks `crit` (RFC 9052 section 3.1): a non-empty array in the protected header whose every label
 * is present in the protected header and understood by this verifier.
 */
export function checkCriticalHeaders(protectedHeader: CborMap, understood: ReadonlySet<CborValue> = COSE_UNDERSTOOD_LABELS): void {
  const crit = protectedHeader.get(HeaderLabel.crit);
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0) throw malformed('crit must be a non-empty array of labels');
  for (const label of crit) {
    if (typeof label !== 'number' && typeof label !== 'string') throw malformed('crit holds a label that is neither an integer nor text');
    if (!understood.has(label)) {
      throw new CoseError('COSE_UNKNOWN_CRITICAL_HEADER', `critical header ${headerLabelName(label)} is not understood`);
    }
    if (!protectedHeader.has(label)) throw malformed(`crit names header ${headerLabelName(label)}, which the protected header lacks`);
  }
}

const COORDINATE_BYTES: Readonly<Record<string, number>> = Object.freeze({ 'P-256': 32, 'P-384': 48, 'P-521': 66 });

function cryptoVerifyRaw(algorithm: SignatureAlgorithm, publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  switch (algorithm.family) {
    case 'ecdsa': {
      const coordinate = COORDINATE_BYTES[curveOf(publicKey) as string];
      if (coordinate === undefined || signature.length !== 2 * coordinate) return false;
      return cryptoVerify(algorithm.hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    }
    case 'rsa-pss':
      return cryptoVerify(
        algorithm.hash,
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
        signature,
      );
    case 'eddsa':
      return cryptoVerify(null, data, publicKey, signature);
  }
}

/** Checks a signature with node:crypto; ECDSA signatures are raw r||s sized by the key's curve. */
export function verifyWithKey(algorithm: SignatureAlgorithm, publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  assertKeyFits(algorithm, publicKey);
  try {
    return cryptoVerifyRaw(algorithm, publicKey, data, signature);
  } catch {
    // OpenSSL refuses some key/parameter pairs outright, e.g. an RSASSA-PSS key restricted to another hash.
    throw new CoseError('COSE_KEY_MISMATCH', `the ${describeKey(publicKey)} key cannot verify ${algorithm.name} signatures`);
  }
}

export interface VerifySign1Options {
  externalAad?: Uint8Array;
  /** The payload when the message carries nil (detached content). */
  detachedPayload?: Uint8Array;
  /** Labels `crit` may name; defaults to the ones the COSE layer understands. */
  understoodLabels?: ReadonlySet<CborValue>;
}

/** Verifies a COSE_Sign1 with a public key; throws a CoseError saying what failed. */
export function verifySign1(message: Sign1, publicKey: KeyObject, options: VerifySign1Options = {}): void {
  checkCriticalHeaders(message.protectedHeader, options.understoodLabels);
  const algorithm = signatureAlgorithmOf(message);
  const payload = message.payload ?? options.detachedPayload;
  if (!payload) throw new CoseError('COSE_NO_PAYLOAD', 'payload is nil and no detached payload was given');
  const toBeSigned = transientSigStructure(message.protectedBytes, payload, options.externalAad ?? EMPTY);
  if (!verifyWithKey(algorithm, publicKey, toBeSigned, message.signature)) {
    throw new CoseError('COSE_BAD_SIGNATURE', `${algorithm.name} signature does not verify`);
  }
}

export interface SignSign1Input {
  protectedHeader: Map<Encodable, Encodable>;
  unprotectedHeader?: Map<Encodable, Encodable>;
  payload: Uint8Array;
  /** Leave the payload out of the message (nil) while still signing over it. */
  detached?: boolean;
  externalAad?: Uint8Array;
}

/** What signing a COSE_Sign1 needs besides the signature: the header as encoded and the bytes to sign. */
export interface PreparedSign1 {
  readonly header: Map<Encodable, Encodable>;
  /** The encoded protected header: a view into toBeSigned, which holds it already. */
  readonly protectedBytes: Uint8Array;
  readonly toBeSigned: Uint8Array;
  readonly input: SignSign1Input;
}

/** Encodes the protected header (with the signer's algorithm) straight into the Sig_structure to sign. */
export function prepareSign1(input: SignSign1Input, algorithm: SignatureAlgorithm): PreparedSign1 {
  // Callers that already name the signer's algorithm (statements do) spare a copy of their map.
  let header = input.protectedHeader;
  if (header.get(HeaderLabel.alg) !== algorithm.id) {
    header = new Map<Encodable, Encodable>(input.protectedHeader);
    header.set(HeaderLabel.alg, algorithm.id);
  }
  const aad = input.externalAad ?? EMPTY;
  const { bytes, start, end } = concatEncodedAround(SIG_STRUCTURE_PREFIX, header, aad, input.payload);
  return { header, protectedBytes: bytes.subarray(start, end), toBeSigned: bytes, input };
}

function unprotectedBytesOf(input: SignSign1Input): Uint8Array {
  return input.unprotectedHeader === undefined || input.unprotectedHeader.size === 0 ? EMPTY_MAP : encode(input.unprotectedHeader);
}

/** The bytes of the signed COSE_Sign1, when nothing else of it is wanted (a statement being signed). */
export function encodeSignedSign1(prepared: PreparedSign1, signature: Uint8Array): Uint8Array {
  const { protectedBytes, input } = prepared;
  return encodeSign1Parts({ protectedBytes, payload: input.detached ? null : input.payload, signature }, unprotectedBytesOf(input));
}

/** The signed COSE_Sign1 from a prepared one and its signature. */
export function completeSign1(prepared: PreparedSign1, signature: Uint8Array): Sign1 {
  const { header, protectedBytes, input } = prepared;
  const unprotectedHeader = (input.unprotectedHeader ?? new Map()) as CborMap;
  const unprotectedBytes = unprotectedBytesOf(input);
  const payload = input.detached ? null : input.payload;
  const encoded = encodeSign1Parts({ protectedBytes, payload, signature }, unprotectedBytes);
  // Tag 18 and the array head take one byte each; the unprotected map follows the protected bstr.
  const unprotectedStart = 2 + byteStringHeadLength(protectedBytes.length) + protectedBytes.length;
  const unprotectedEnd = unprotectedStart + unprotectedBytes.length;
  return {
    protectedBytes,
    protectedHeader: header as CborMap,
    unprotectedHeader,
    payload,
    signature,
    tagged: true,
    encoded,
    unprotectedSpan: [unprotectedStart, unprotectedEnd],
  };
}

/** Signs a COSE_Sign1; the signer's algorithm is written into the protected header. */
export async function signSign1(input: SignSign1Input, signer: Signer): Promise<Sign1> {
  const prepared = prepareSign1(input, signer.algorithm);
  return completeSign1(prepared, signer.signNow ? signer.signNow(prepared.toBeSigned) : await signer.sign(prepared.toBeSigned));
}

/** The message with its unprotected header replaced by an empty map, every other byte kept (tag included). */
export function withEmptyUnprotectedHeader(message: Sign1): Uint8Array {
  const [start, end] = message.unprotectedSpan;
  const out = new Uint8Array(message.encoded.length - (end - start) + 1);
  out.set(message.encoded.subarray(0, start), 0);
  out[start] = 0xa0;
  out.set(message.encoded.subarray(end), start + 1);
  return out;
}
