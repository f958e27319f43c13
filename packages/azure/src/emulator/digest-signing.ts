import { constants, createECDH, createHash, privateDecrypt, privateEncrypt, randomBytes, type KeyObject } from 'node:crypto';

/**
 * Signing a digest someone else computed, as Key Vault does. node:crypto signs messages, not digests,
 * so the two primitives are assembled from node:crypto parts: ECDSA from the curve's base-point
 * multiplication (ECDH) and BigInt arithmetic modulo the group order, RSASSA-PSS and PKCS#1 v1.5 from
 * their encodings (RFC 8017) and the raw RSA private-key operation.
 */

interface Curve {
  readonly ecdhName: string;
  readonly order: bigint;
  readonly bytes: number;
}

const CURVES: Record<string, Curve> = {
  'P-256': { ecdhName: 'prime256v1', order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n, bytes: 32 },
  'P-384': {
    ecdhName: 'secp384r1',
    order: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    bytes: 48,
  },
  'P-521': {
    ecdhName: 'secp521r1',
    order:
      0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    bytes: 66,
  },
  'P-256K': { ecdhName: 'secp256k1', order: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n, bytes: 32 },
};

const toBigInt = (bytes: Uint8Array): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`));

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/** SEC 1 4.1.3 step 5: the digest as an integer, cut to the order's bit length. */
function digestInteger(digest: Uint8Array, order: bigint): bigint {
  const orderBits = order.toString(2).length;
  const value = toBigInt(digest);
  const excess = digest.length * 8 - orderBits;
  return excess > 0 ? value >> BigInt(excess) : value;
}

/** Exporting a key as JWK costs more than the signature's arithmetic; a batch signs with one key hundreds of times. */
const PRIVATE_SCALARS = new WeakMap<KeyObject, bigint>();

function privateScalar(privateKey: KeyObject): bigint {
  let d = PRIVATE_SCALARS.get(privateKey);
  if (d === undefined) {
    d = toBigInt(Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url'));
    PRIVATE_SCALARS.set(privateKey, d);
  }
  return d;
}

export function curveSupported(curve: string): boolean {
  return curve in CURVES;
}

/** ECDSA over a digest; the signature is r||s, each as long as the order, as Key Vault returns it. */
export function signDigestEcdsa(privateKey: KeyObject, curveName: string, digest: Uint8Array): Uint8Array {
  const curve = CURVES[curveName];
  if (!curve) throw new Error(`unsupported curve ${curveName}`);
  const d = privateScalar(privateKey);
  const z = digestInteger(digest, curve.order);
  for (let attempt = 0; attempt < 8; attempt++) {
    const k = mod(toBigInt(randomBytes(curve.bytes + 16)), curve.order - 1n) + 1n;
    const ecdh = createECDH(curve.ecdhName);
    ecdh.setPrivateKey(toBytes(k, curve.bytes));
    const point = ecdh.getPublicKey();
    const x = toBigInt(point.subarray(1, 1 + curve.bytes));
    const r = mod(x, curve.order);
    if (r === 0n) continue;
    const s = mod(modPow(k, curve.order - 2n, curve.order) * (z + r * d), curve.order);
    if (s === 0n) continue;
    return new Uint8Array(Buffer.concat([toBytes(r, curve.bytes), toBytes(s, curve.bytes)]));
  }
  throw new Error('ECDSA found no usable nonce');
}

type HashName = 'sha256' | 'sha384' | 'sha512';

function mgf1(hash: HashName, seed: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * seed.length < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function modulusBits(privateKey: KeyObject): number {
  const bits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (!bits) throw new Error('not an RSA key');
  return bits;
}

function rawRsaPrivate(privateKey: KeyObject, encoded: Buffer): Uint8Array {
  return new Uint8Array(privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, encoded));
}

/** RSASSA-PSS over a digest (RFC 8017 9.1.1) with MGF1 of the same hash and a salt as long as the hash. */
export function signDigestPss(privateKey: KeyObject, hash: HashName, digest: Uint8Array): Uint8Array {
  const bits = modulusBits(privateKey);
  const k = Math.ceil(bits / 8);
  const emBits = bits - 1;
  const emLength = Math.ceil(emBits / 8);
  const hLength = digest.length;
  const salt = randomBytes(hLength);
  const h = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLength - 2 * hLength - 2), Buffer.from([0x01]), salt]);
  const mask = mgf1(hash, h, emLength - hLength - 1);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLength - emBits));
  const em = Buffer.concat([db, h, Buffer.from([0xbc])]);
  return rawRsaPrivate(privateKey, Buffer.concat([Buffer.alloc(k - emLength), em]));
}

const DIGEST_INFO_PREFIX: Record<HashName, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

/** RSASSA-PKCS1-v1_5 over a digest (RFC 8017 9.2): the DigestInfo padded and put through the private key. */
export function signDigestPkcs1(privateKey: KeyObject, hash: HashName, digest: Uint8Array): Uint8Array {
  const digestInfo = Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[hash], 'hex'), digest]);
  return new Uint8Array(privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo));
}
