/** Bytes as lower-case hex, read where they lie (no copy first, as Buffer.from(bytes) would make). */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
