import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: Uint8Array, encoding: string) => Buffer | string;

// Node 20.12+ hashes bytes held in memory in one call, several times cheaper than a Hash object for the
// small inputs verification hashes by the thousand (statements, proof nodes, cache keys); older 20.x
// releases get the same digests through createHash.
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/** The digest of `data` as bytes (a view of a Buffer of its own). */
export function hashBytes(algorithm: string, data: Uint8Array): Uint8Array {
  const digest = oneShot ? (oneShot(algorithm, data, 'buffer') as Buffer) : crypto.createHash(algorithm).update(data).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** The digest of `data` as lower-case hex or base64 text. */
export function hashText(algorithm: string, data: Uint8Array, encoding: 'hex' | 'base64'): string {
  return oneShot ? (oneShot(algorithm, data, encoding) as string) : crypto.createHash(algorithm).update(data).digest(encoding);
}
