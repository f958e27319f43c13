import type { FileHandle } from 'node:fs/promises';
import { LedgerError } from './errors.js';
import { checksum32, readFully, writeDurably } from './io.js';
import { HEADS_FILE } from './layout.js';

/**
 * heads.log: one frame per committed batch, appended after the batch's data is durable.
 * Frame: payload length u32 BE | checksum32(length bytes, payload) u32 BE | payload, and
 * payload: tree size u64 BE | seal bytes. The last valid frame is the committed tree size.
 */
export const MAX_SEAL_BYTES = 64 * 1024;
const HEADER = 8;
const SIZE_FIELD = 8;
const MAX_FRAME = HEADER + SIZE_FIELD + MAX_SEAL_BYTES;
const SCAN_CHUNK = 1 << 20; // > MAX_FRAME

export function encodeHead(treeSize: number, seal: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER + SIZE_FIELD + seal.byteLength);
  frame.writeUInt32BE(SIZE_FIELD + seal.byteLength, 0);
  frame.writeUInt32BE(Math.floor(treeSize / 2 ** 32), HEADER);
  frame.writeUInt32BE(treeSize >>> 0, HEADER + 4);
  frame.set(seal, HEADER + SIZE_FIELD);
  frame.writeUInt32BE(checksum32(frame.subarray(0, 4), frame.subarray(HEADER)), 4);
  return frame;
}

/** The payload of a frame whose header is at `frame[0]`, or undefined when it is not a whole, intact frame. */
function decodeFrame(frame: Buffer): { treeSize: number; seal: Buffer } | undefined {
  const length = frame.readUInt32BE(0);
  if (length < SIZE_FIELD || length > SIZE_FIELD + MAX_SEAL_BYTES || frame.byteLength < HEADER + length) return undefined;
  const payload = frame.subarray(HEADER, HEADER + length);
  if (checksum32(frame.subarray(0, 4), payload) !== frame.readUInt32BE(4)) return undefined;
  const treeSize = payload.readUInt32BE(0) * 2 ** 32 + payload.readUInt32BE(4);
  return { treeSize, seal: payload.subarray(SIZE_FIELD) };
}

export class HeadsLog {
  /** Tree size and frame offset of every committed head, ascending; `end` is where the next frame goes. */
  private readonly treeSizes: number[] = [];
  private readonly offsets: number[] = [];
  private end = 0;
  private latest: Uint8Array | undefined;

  private constructor(private readonly file: FileHandle) {}

  /**
   * Reads every frame. Bad bytes after the last good frame are a torn append if they are no longer
   * than one frame (only one append is ever in flight) and are cut; more than that is corruption.
   */
  static async recover(file: FileHandle, dir: string): Promise<{ log: HeadsLog; tornBytes: number }> {
    const log = new HeadsLog(file);
    const fileSize = (await file.stat()).size;
    let chunk: Buffer = Buffer.alloc(0);
    let chunkStart = 0;
    let position = 0;
    let lastSeal: Buffer | undefined;
    for (;;) {
      const chunkEnd = chunkStart + chunk.byteLength;
      if (position + MAX_FRAME > chunkEnd && chunkEnd < fileSize) {
        // Keep at least one whole frame ahead in memory; the log is read once, sequentially.
        chunk = await readFully(file, Math.min(SCAN_CHUNK, fileSize - position), position);
        chunkStart = position;
      }
      const rest = chunk.subarray(position - chunkStart);
      const frame = rest.byteLength >= HEADER ? decodeFrame(rest) : undefined;
      const previous = log.treeSizes.at(-1) ?? 0;
      if (frame === undefined || frame.treeSize <= previous || !Number.isSafeInteger(frame.treeSize)) break;
      log.treeSizes.push(frame.treeSize);
      log.offsets.push(position);
      lastSeal = frame.seal;
      position += HEADER + SIZE_FIELD + frame.seal.byteLength;
    }
    const tornBytes = fileSize - position;
    if (tornBytes > MAX_FRAME) {
      throw new LedgerError('LEDGER_CORRUPT', `${dir}/${HEADS_FILE}: unreadable frame at offset ${position} with ${tornBytes} bytes after it`);
    }
    log.end = position;
    if (lastSeal) log.latest = new Uint8Array(lastSeal);
    return { log, tornBytes };
  }

  /** Committed tree size: that of the last head. */
  get treeSize(): number {
    return this.treeSizes.at(-1) ?? 0;
  }

  /** Writes one head durably (the file is opened with DSYNC); recorded in memory only once durable. */
  async append(treeSize: number, seal: Uint8Array): Promise<void> {
    const frame = encodeHead(treeSize, seal);
    await writeDurably(this.file, [frame], this.end);
    this.treeSizes.push(treeSize);
    this.offsets.push(this.end);
    this.end += frame.byteLength;
    this.latest = new Uint8Array(seal);
  }

  /** Cuts whatever a failed append or a crash left after the last committed frame. */
  async cutToCommitted(): Promise<void> {
    await this.file.truncate(this.end);
    await this.file.datasync();
  }

  /** Tree size of the batch that committed leaf `index`: the first head larger than it. */
  headCovering(index: number): number | undefined {
    let low = 0;
    let high = this.treeSizes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.treeSizes[middle] as number) > index) high = middle;
      else low = middle + 1;
    }
    return this.treeSizes[low];
  }

  /** A copy: the log keeps appending to its own. */
  sizes(): number[] {
    return this.treeSizes.slice();
  }

  /** The seal stored with `treeSize`, or undefined if no batch ended at that size. */
  async sealFor(treeSize: number): Promise<Uint8Array | undefined> {
    const at = this.position(treeSize);
    if (at < 0) return undefined;
    if (at === this.treeSizes.length - 1 && this.latest) return new Uint8Array(this.latest);
    const offset = this.offsets[at] as number;
    const next = this.offsets[at + 1] ?? this.end;
    const frame = decodeFrame(await readFully(this.file, next - offset, offset));
    if (frame === undefined || frame.treeSize !== treeSize) {
      throw new LedgerError('LEDGER_CORRUPT', `${HEADS_FILE}: the head for tree size ${treeSize} at offset ${offset} fails its checksum`);
    }
    return new Uint8Array(frame.seal);
  }

  private position(treeSize: number): number {
    let low = 0;
    let high = this.treeSizes.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const size = this.treeSizes[middle] as number;
      if (size === treeSize) return middle;
      if (size < treeSize) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}
