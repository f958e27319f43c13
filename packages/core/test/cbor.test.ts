import { CborError, CborReader, CborSimple, CborTag, decode, encode, type CborErrorCode, type Encodable } from '../src/cbor/index.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));

function codeOf(fn: () => unknown): CborErrorCode | 'no error' {
  try {
    fn();
  } catch (error) {
    if (error instanceof CborError) return error.code;
    throw error;
  }
  return 'no error';
}

// RFC 8949 Appendix A, restricted to items whose deterministic encoding is the one listed.
const rfcExamples: Array<[Encodable, string]> = [
  [0, '00'],
  [1, '01'],
  [10, '0a'],
  [23, '17'],
  [24, '1818'],
  [25, '1819'],
  [100, '1864'],
  [1000, '1903e8'],
  [1000000, '1a000f4240'],
  [1000000000000, '1b000000e8d4a51000'],
  [18446744073709551615n, '1bffffffffffffffff'],
  [18446744073709551616n, 'c249010000000000000000'],
  [-18446744073709551616n, '3bffffffffffffffff'],
  [-18446744073709551617n, 'c349010000000000000000'],
  [-1, '20'],
  [-10, '29'],
  [-100, '3863'],
  [-1000, '3903e7'],
  [0.0, '00'],
  [-0.0, 'f98000'],
  [1.1, 'fb3ff199999999999a'],
  [1.5, 'f93e00'],
  [65504.0, '19ffe0'], // integral floats are written as integers
  [65504.5, 'fa477fe080'],
  [100000.5, 'fa47c35040'],
  [3.4028234663852886e38, 'fa7f7fffff'],
  [1.0e300, 'fb7e37e43c8800759c'],
  [5.960464477539063e-8, 'f90001'],
  [0.00006103515625, 'f90400'],
  [-4.0, '23'],
  [-4.1, 'fbc010666666666666'],
  [Infinity, 'f97c00'],
  [NaN, 'f97e00'],
  [-Infinity, 'f9fc00'],
  [false, 'f4'],
  [true, 'f5'],
  [null, 'f6'],
  [undefined, 'f7'],
  [new CborSimple(16), 'f0'],
  [new CborSimple(255), 'f8ff'],
  [new CborTag(0, '2013-03-21T20:04:00Z'), 'c074323031332d30332d32315432303a30343a30305a'],
  [new CborTag(1, 1363896240), 'c11a514b67b0'],
  [new CborTag(23, bytes('01020304')), 'd74401020304'],
  [new Uint8Array(0), '40'],
  [bytes('01020304'), '4401020304'],
  ['', '60'],
  ['a', '6161'],
  ['IETF', '6449455446'],
  ['"\\', '62225c'],
  ['\u00fc', '62c3bc'],
  ['\u6c34', '63e6b0b4'],
  ['\ud800\udd51', '64f0908591'],
  [[], '80'],
  [[1, 2, 3], '83010203'],
  [[1, [2, 3], [4, 5]], '8301820203820405'],
  [Array.from({ length: 25 }, (_, i) => i + 1), '98190102030405060708090a0b0c0d0e0f101112131415161718181819'],
  [new Map(), 'a0'],
  [new Map([[1, 2], [3, 4]]), 'a201020304'],
  [{ a: 1, b: [2, 3] }, 'a26161016162820203'],
  [['a', { b: 'c' }], '826161a161626163'],
  [{ a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' }, 'a56161614161626142616361436164614461656145'],
];

describe('CBOR encoding', () => {
  it.each(rfcExamples.map(([value, expected]) => [expected, value] as const))('writes %s', (expected, value) => {
    expect(hex(encode(value))).toBe(expected);
  });

  it('sorts map keys by their encoded bytes (RFC 8949 4.2.1), not by value or insertion', () => {
    const map = new Map<Encodable, Encodable>([
      ['aa', 0],
      [-1, 0],
      [100, 0],
      [10, 0],
      ['b', 0],
      [bytes('00'), 0],
    ]);
    // 0a < 1864 < 20 < 4100 < 6162 < 626161
    expect(hex(encode(map))).toBe('a60a00186400200041000061620062616100');
  });

  it('sorts text keys shorter-first, as their heads carry the length', () => {
    expect(hex(encode({ '    ': 0, 'a\nb': 0, z: 0 }))).toBe('a3617a0063610a62006420202020' + '00');
    expect(hex(encode(new Map<Encodable, Encodable>([['bb', 1], [-1, 2], ['a', 3], [bytes('00'), 4]])))).toBe('a4200241000461610362626201');
  });

  it('writes an integer-keyed map the same whatever order its keys were inserted in', () => {
    const labels = [1, 4, 15, 33, 258, 259, 260, 0, 23, 24, 255, 256, 65535, 65536, -1, -7, -24, -25, -256, -257, 2 ** 32, -(2 ** 32) - 1];
    const reference = hex(encode(new Map(labels.map((label) => [label, label]))));
    let seed = 7;
    for (let round = 0; round < 200; round++) {
      const shuffled = [...labels];
      for (let i = shuffled.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const j = seed % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
      }
      expect(hex(encode(new Map(shuffled.map((label) => [label, label]))))).toBe(reference);
    }
    // Unsigned keys ascending, then negative ones by magnitude; each head as short as it can be.
    expect(reference.startsWith('b6 00 00 01 01 04 04 0f 0f 17 17 1818 1818'.replace(/ /g, ''))).toBe(true);
  });

  it('refuses values with no CBOR form', () => {
    expect(codeOf(() => encode((() => 1) as unknown as Encodable))).toBe('CBOR_UNENCODABLE');
    expect(codeOf(() => encode(new Date() as unknown as Encodable))).toBe('CBOR_UNENCODABLE');
    expect(codeOf(() => encode(new CborSimple(24)))).toBe('CBOR_UNENCODABLE');
  });
});

describe('CBOR decoding', () => {
  // Bignums stay tagged byte strings on the way in: countersign never needs them as numbers.
  it.each(rfcExamples.filter(([value]) => !(typeof value === 'number' && Number.isNaN(value)) && !(typeof value === 'bigint' && (value > 2n ** 64n - 1n || value < -(2n ** 64n)))).map(([value, encoded]) => [encoded, value] as const))(
    'reads %s back',
    (encoded, value) => {
      const decoded = decode(bytes(encoded));
      if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof CborTag) && !(value instanceof CborSimple)) {
        expect(decoded).toEqual(new Map(Object.entries(value)));
      } else if (Array.isArray(value) && value.some((item) => typeof item === 'object' && item !== null && !Array.isArray(item))) {
        expect(hex(encode(decoded as Encodable))).toBe(encoded);
      } else {
        expect(decoded).toEqual(value);
      }
    },
  );

  it('reads bignums as tagged byte strings and NaN as NaN', () => {
    expect(decode(bytes('c249010000000000000000'))).toEqual(new CborTag(2, bytes('010000000000000000')));
    expect(decode(bytes('f97e00'))).toBeNaN();
  });

  it('reads non-deterministic but valid forms', () => {
    expect(decode(bytes('5f42010243030405ff'))).toEqual(bytes('0102030405'));
    expect(decode(bytes('7f657374726561646d696e67ff'))).toBe('streaming');
    expect(decode(bytes('9f018202039f0405ffff'))).toEqual([1, [2, 3], [4, 5]]);
    expect(decode(bytes('bf61610161629f0203ffff'))).toEqual(new Map<unknown, unknown>([['a', 1], ['b', [2, 3]]]));
    expect(decode(bytes('1801'))).toBe(1);
    expect(decode(bytes('fa3fc00000'))).toBe(1.5);
    expect(decode(bytes('3b001fffffffffffff'))).toBe(-9007199254740992n);
    expect(decode(bytes('1b001fffffffffffff'))).toBe(9007199254740991);
  });

  it.each<[string, string, CborErrorCode]>([
    ['empty input', '', 'CBOR_TRUNCATED'],
    ['truncated head', '19 01', 'CBOR_TRUNCATED'],
    ['truncated byte string', '44 0102', 'CBOR_TRUNCATED'],
    ['array longer than its input', '9a 7fffffff 00', 'CBOR_LIMIT'],
    ['map longer than its input', 'a3 0102', 'CBOR_TRUNCATED'],
    ['huge declared string', '5b 00000001 00000000', 'CBOR_LIMIT'],
    ['trailing bytes', '01 02', 'CBOR_TRAILING'],
    ['reserved additional info', '1c', 'CBOR_MALFORMED'],
    ['indefinite integer', '1f', 'CBOR_MALFORMED'],
    ['stray break', 'ff', 'CBOR_MALFORMED'],
    ['break inside array', '82 01 ff', 'CBOR_MALFORMED'],
    ['bad utf-8', '62 c328', 'CBOR_MALFORMED'],
    ['two-byte simple under 32', 'f8 10', 'CBOR_MALFORMED'],
    ['duplicate integer key', 'a2 01 02 01 03', 'CBOR_MALFORMED'],
    ['duplicate key written two ways', 'a2 01 02 1801 03', 'CBOR_MALFORMED'],
    ['duplicate byte-string key', 'a2 4101 02 4101 03', 'CBOR_MALFORMED'],
    ['text chunk inside indefinite bytes', '5f 6161 ff', 'CBOR_MALFORMED'],
    ['unterminated indefinite array', '9f 01 02', 'CBOR_TRUNCATED'],
  ])('rejects %s', (_name, input, code) => {
    expect(codeOf(() => decode(bytes(input.replace(/ /g, ''))))).toBe(code);
  });

  it('enforces depth, item-count and size limits', () => {
    const deep = bytes('81'.repeat(40) + '00');
    expect(codeOf(() => decode(deep))).toBe('CBOR_LIMIT');
    expect(codeOf(() => decode(deep, { maxDepth: 64 }))).toBe('no error');
    expect(codeOf(() => decode(bytes('83010203'), { maxItems: 3 }))).toBe('CBOR_LIMIT');
    expect(codeOf(() => decode(bytes('4401020304'), { maxStringLength: 3 }))).toBe('CBOR_LIMIT');
    expect(codeOf(() => decode(bytes('4401020304'), { maxInputSize: 4 }))).toBe('CBOR_LIMIT');
    expect(codeOf(() => decode(bytes('5f420102420304ff'), { maxStringLength: 3 }))).toBe('CBOR_LIMIT');
  });

  it('lets a reader keep the exact bytes of each item', () => {
    const input = bytes('83 1801 4102 a10102'.replace(/ /g, ''));
    const reader = new CborReader(input);
    expect(reader.readHead()).toMatchObject({ major: 4, argument: 3 });
    const start = reader.pos;
    expect(reader.readItem()).toBe(1);
    expect(hex(input.subarray(start, reader.pos))).toBe('1801');
  });
});
