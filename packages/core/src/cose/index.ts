export { CoseError, KeyError, type CoseErrorCode, type KeyErrorCode } from './errors.js';
export { HeaderLabel, headerLabelName, COSE_UNDERSTOOD_LABELS } from './headers.js';
export { SIGNATURE_ALGORITHMS, algorithmById, algorithmByName, type SignatureAlgorithm, type SignatureAlgorithmName } from './algorithms.js';
export {
  assertKeyFits,
  curveOf,
  defaultAlgorithmFor,
  describeKey,
  keyIdOf,
  keyMismatch,
  MIN_RSA_MODULUS_BITS,
  publicJwkOf,
  readPrivateKey,
  readPublicKey,
  restrictKeyToAlgorithm,
  unusableKeyReason,
} from './keys.js';
export { LocalSigner, signWithKey, type Signer } from './signer.js';
export {
  COSE_SIGN1_TAG,
  checkCriticalHeaders,
  decodeSign1,
  encodeSign1,
  sigStructure,
  signSign1,
  signatureAlgorithmOf,
  verifySign1,
  verifyWithKey,
  withEmptyUnprotectedHeader,
  type DecodeSign1Options,
  type Sign1,
  type SignSign1Input,
  type VerifySign1Options,
} from './sign1.js';
export { coseKeySetToJwks, coseKeyToJwk, encodeCoseKeySet, publicCoseKeyOf } from './cose-key.js';
