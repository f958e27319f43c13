import { createHash } from 'node:crypto';
import { constants, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { hashBytes } from '@countersign/core';

/** Writes every byte of `chunks` at `position`; a short write (disk full) is an error, never a silent tail. */
export async function writeFully(file: FileHandle, chunks: readonly Uint8Array[], position: number): Promise<void> {
  if (chunks.length === 0) return;
  const expected = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const { bytesWritten } = await file.writev(chunks as Uint8Array[], position);
  if (bytesWritten !== expected) throw new Error(`short write: ${bytesWritten} of ${expected} bytes`);
}

/**
 * Open flag for the files every acknowledgement waits on: with O_DSYNC a write returns once its
 * bytes (and the size that reaches them) are durable, as write + fdatasync would, in one thread-pool
 * request instead of two. Windows has no O_DSYNC (0 here): there writeDurably adds the fdatasync.
 */
export const DSYNC = constants.O_DSYNC ?? 0;

/** writeFully to a file opened with DSYNC: durable when it resolves. */
export async function writeDurably(file: FileHandle, chunks: readonly Uint8Array[], position: number): Promise<void> {
  await writeFully(file, chunks, position);
  if (DSYNC === 0) await file.datasync();
}

/** Reads exactly `length` bytes at `position`, or throws: callers only ask for bytes the tree size promises. */
export async function readFully(file: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(length); // its own memory: callers hand out views of it
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`file ends ${length - done} bytes early at offset ${position + done}`);
    done += bytesRead;
  }
  return buffer;
}

/** The synchronous twin, for the SubtreeHashes port whose reads cannot await. */
export function readFullySync(fd: number, buffer: Uint8Array, position: number): void {
  let done = 0;
  while (done < buffer.byteLength) {
    const bytesRead = readSync(fd, buffer, done, buffer.byteLength - done, position + done);
    if (bytesRead === 0) throw new Error(`file ends ${buffer.byteLength - done} bytes early at offset ${position + done}`);
    done += bytesRead;
  }
}

/**
 * A new or renamed file is durable only once its directory entry is: fsync the directory.
 * Windows cannot open a directory for fsync and does not need it.
 */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Detects torn and rotten bytes (not tampering: the seals cover that). The first four bytes of
 * SHA-256 cost one native call and need no table code of our own.
 */
export function checksum32(...parts: Uint8Array[]): number {
  // One statement per call on every registration: core's one-shot hash.
  if (parts.length === 1) {
    const digest = hashBytes('sha256', parts[0] as Uint8Array);
    return ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  }
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest().readUInt32BE(0);
}
