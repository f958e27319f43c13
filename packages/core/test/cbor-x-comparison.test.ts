/**
 * Pins why countersign keeps its own CBOR codec rather than cbor-x (README, "Dependency notes";
 * bench/cbor.js measures the rest): configured as DESIGN.md says, cbor-x accepts input RFC 8949 calls
 * invalid, which this codec refuses with a typed error. Should a cbor-x release change any of this,
 * the test fails and the decision is due for another measurement.
 */
import { Decoder } from 'cbor-x';
import { CborError, decode, type CborErrorCode } from '../src/cbor/index.js';

// As DESIGN.md configures it (useTag259ForMaps is documented by cbor-x but missing from its typings).
const CBOR_X_OPTIONS = { useRecords: false, useTag259ForMaps: false, tagUint8Array: false, mapsAsObjects: false };
const cborX = new Decoder(CBOR_X_OPTIONS);
const bytes = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/ /g, ''), 'hex'));

function ourCode(input: Uint8Array): CborErrorCode | 'accepted' {
  try {
    decode(input);
    return 'accepted';
  } catch (error) {
    if (error instanceof CborError) return error.code;
    throw error;
  }
}

function theirs(input: Uint8Array): { accepted: true; value: unknown } | { accepted: false; error: unknown } {
  try {
    return { accepted: true, value: cborX.decode(input) };
  } catch (error) {
    return { accepted: false, error };
  }
}

describe('cbor-x beside the project codec', () => {
  it.each([
    ['a duplicate map key (last one wins)', 'a2 01 02 01 03'],
    ['a key repeated in another integer width', 'a2 01 02 1801 03'],
    ['text that is not UTF-8 (replaced by U+FFFD)', '62 c328'],
  ])('cbor-x accepts %s, which the project codec refuses as CBOR_MALFORMED', (_what, input) => {
    expect(ourCode(bytes(input))).toBe('CBOR_MALFORMED');
    expect(theirs(bytes(input)).accepted).toBe(true);
  });

  it('cbor-x reads deep nesting until the stack overflows; the project codec stops at its depth bound', () => {
    const deep = bytes(`${'81'.repeat(20_000)}00`);
    expect(ourCode(deep)).toBe('CBOR_LIMIT');
    const outcome = theirs(deep);
    expect(outcome.accepted).toBe(false);
    expect(outcome.accepted ? undefined : (outcome.error as Error).name).toBe('RangeError');
  });

  it('cbor-x gives tags it knows a meaning of its own (tag 259 becomes a Map, tag 64 a Uint8Array); the project codec keeps them as tags', () => {
    expect(theirs(bytes('d90103 a1 01 02'))).toEqual({ accepted: true, value: new Map([[1, 2]]) });
    expect(ourCode(bytes('d90103 a1 01 02'))).toBe('accepted');
    const typed = theirs(bytes('d840 43 010203'));
    expect(typed.accepted && typed.value instanceof Uint8Array).toBe(true);
  });

  it('both refuse hostile declared lengths before allocating', () => {
    for (const input of ['5b 0000000100000000 00', '5b 7fffffffffffffff 00', '9a 05f5e100 00', 'ba 7fffffff 0000']) {
      expect(['CBOR_LIMIT', 'CBOR_TRUNCATED']).toContain(ourCode(bytes(input)));
      expect(theirs(bytes(input)).accepted).toBe(false);
    }
  });
});
