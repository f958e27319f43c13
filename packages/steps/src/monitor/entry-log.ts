import type { CborMap } from '@countersign/core';
import type { EntryIdRange, ListingLimits } from '../transparency/entry-listing.js';

/**
 * What the monitor and the entry listing read from a transparency service: the SCRAPI client
 * satisfies it; tests hand in their own.
 */
export interface EntryLog {
  /** For messages: the service's URL. */
  readonly name: string;
  /** GET /.well-known/transparency-configuration: its `issuer` picks the service's entry in the trust policy. */
  configuration(): Promise<CborMap>;
  /** Entry ids a page at a time, in sequence order (GET /entries/txIds). */
  entryIdPages(range?: EntryIdRange, limits?: ListingLimits): AsyncIterable<string[]>;
  /** The entry's statement with the service's receipt (GET /entries/{id}/statement). */
  transparentStatement(entryId: string): Promise<Uint8Array>;
  /** vds 1 services: the current signed tree head (GET /log/tree-head); TS_NOT_FOUND where there is none. */
  treeHead(): Promise<Uint8Array>;
  /** vds 1 services: a consistency receipt from tree size `from` to the current tree (GET /log/consistency). */
  consistency(from: number): Promise<Uint8Array>;
}
