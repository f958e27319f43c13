/** A CBOR tag around an item (RFC 8949 section 3.4). */
export class CborTag<T = CborValue> {
  constructor(
    readonly tag: number,
    readonly value: T,
  ) {}
}

/** A simple value other than false, true, null and undefined (RFC 8949 section 3.3). */
export class CborSimple {
  constructor(readonly value: number) {}
}

/**
 * The decoded form of a CBOR item. Integers come back as numbers when they fit in a safe integer
 * and as bigints otherwise; maps are always `Map`, so integer keys keep their type.
 */
export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | undefined
  | Uint8Array
  | CborValue[]
  | CborMap
  | CborTag
  | CborSimple;

export type CborMap = Map<CborValue, CborValue>;
