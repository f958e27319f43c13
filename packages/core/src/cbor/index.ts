export { CborError, type CborErrorCode } from './errors.js';
export { CborSimple, CborTag, type CborMap, type CborValue } from './types.js';
export { encode, byteStringHead, byteStringHeadLength, writeByteStringHead, concatEncoded, concatEncodedAround, type Encodable, type EncodedPart } from './encode.js';
export { decode, CborReader, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './decode.js';
