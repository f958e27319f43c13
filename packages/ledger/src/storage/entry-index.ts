import { randomBytes } from 'node:crypto';
import { HASH_SIZE } from '@countersign/core';

/**
 * Every committed entry in index order, and entry -> first index, in flat typed arrays:
 * 32 bytes per entry plus 8 to 16 bytes of slots, about 50 MB for a million entries where a
 * Map of strings would take several times that. Open addressing with linear probing; the slot is
 * a keyed mix of all 32 bytes with a per-process random seed, so statements crafted to share
 * entry prefixes cannot pile up in one probe chain.
 */
export class EntryIndex {
  private entries: Uint8Array;
  private count = 0;
  private slots: Uint32Array; // index + 1; 0 is empty
  private readonly seed = randomBytes(4).readUInt32LE(0);

  constructor(expected = 0) {
    this.entries = new Uint8Array(Math.max(1024, Math.ceil(expected * 1.25)) * HASH_SIZE);
    this.slots = new Uint32Array(slotCountFor(Math.max(1024, expected)));
  }

  get size(): number {
    return this.count;
  }

  /** Records the entry of index `size` (committed entries only); a repeated entry keeps its first index. */
  push(entry: Uint8Array): void {
    if ((this.count + 1) * HASH_SIZE > this.entries.byteLength) {
      const grown = new Uint8Array(this.entries.byteLength * 2);
      grown.set(this.entries);
      this.entries = grown;
    }
    this.entries.set(entry, this.count * HASH_SIZE);
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const slot = this.find(entry);
    if (this.slots[slot] === 0) this.slots[slot] = this.count + 1;
    this.count++;
  }

  indexOf(entry: Uint8Array): number | undefined {
    if (entry.byteLength !== HASH_SIZE) return undefined;
    const value = this.slots[this.find(entry)] as number;
    return value === 0 ? undefined : value - 1;
  }

  /** A view of the stored entry; callers copy before handing it out. */
  entryAt(index: number): Uint8Array {
    return this.entries.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  /** The slot holding `entry`, or the empty slot where it would go. */
  private find(entry: Uint8Array): number {
    const mask = this.slots.length - 1;
    for (let slot = this.mix(entry) & mask; ; slot = (slot + 1) & mask) {
      const value = this.slots[slot] as number;
      if (value === 0 || this.equals(value - 1, entry)) return slot;
    }
  }

  private mix(entry: Uint8Array): number {
    let hash = this.seed;
    for (let offset = 0; offset < HASH_SIZE; offset += 4) {
      const word = (entry[offset] as number) | ((entry[offset + 1] as number) << 8) | ((entry[offset + 2] as number) << 16) | ((entry[offset + 3] as number) << 24);
      hash = Math.imul(hash ^ word, 0x9e3779b1);
      hash ^= hash >>> 16;
    }
    hash = Math.imul(hash ^ (hash >>> 13), 0x85ebca6b);
    return (hash ^ (hash >>> 16)) >>> 0;
  }

  private equals(index: number, entry: Uint8Array): boolean {
    const base = index * HASH_SIZE;
    for (let i = 0; i < HASH_SIZE; i++) if (this.entries[base + i] !== entry[i]) return false;
    return true;
  }

  private rehash(length: number): void {
    const old = this.slots;
    this.slots = new Uint32Array(length);
    for (const value of old) if (value !== 0) this.slots[this.find(this.entryAt(value - 1))] = value;
  }
}

function slotCountFor(entries: number): number {
  let length = 1024;
  while (length < entries * 2) length *= 2;
  return length;
}
