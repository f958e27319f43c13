/**
 * Property-based robustness tests for every decoder that reads untrusted input: random bytes and
 * mutations of valid encodings (bit flips, truncations, insertions, deletions, changed length
 * fields, duplicated chunks). Whatever the input, a decoder returns, or throws a CountersignError
 * with a non-empty code and a one-line message, quickly: never a TypeError, RangeError or raw
 * OpenSSL error, never a hang, never an allocation sized by a declared length.
 */
import { createHash, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CborSimple, CborTag, decode, encode, type DecodeLimits, type Encodable } from '../src/cbor/index.js';
import { LocalSigner, decodeSign1, encodeSign1, readPrivateKey, readPublicKey, signSign1, verifySign1 } from '../src/cose/index.js';
import { SHA256, SHA384, digestBytes, parseDigest } from '../src/digest/hash-algorithms.js';
import { CountersignError } from '../src/errors.js';
import { createSignedStatement, parseSignedStatement, verifyStatementSignature } from '../src/statement/index.js';
import { addIssuer, emptyPolicy, parsePolicy, serializePolicy, type TrustPolicy } from '../src/trust/index.js';
import { VECTORS_DIR, haveVectors, listVectors, readVector, vectorPath } from './vectors.js';

import { describeStatement } from '../src/describe/describe-statement.js';
import { verifyStatement } from '../src/verify/index.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const concat = (parts: readonly Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

/** A call on a small input that takes longer than this counts as a hang. */
const SLOW_CALL_MS = 250;

function describeThrown(error: unknown): string {
  // Errors raised inside node:crypto come from another realm than jest's test context, so no instanceof Error.
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { name, code, message } = error as { name?: unknown; code?: unknown; message: unknown };
    return `${String(name ?? error.constructor?.name)}${code === undefined ? '' : ` [${String(code)}]`}: ${String(message)}`;
  }
  return `a thrown ${typeof error}: ${String(error)}`;
}

function shown(input: Uint8Array | string): string {
  return typeof input === 'string' ? JSON.stringify(input.length > 400 ? `${input.slice(0, 400)}...` : input) : `hex ${hex(input)}`;
}

/**
 * The contract under test: `fn` returns, or throws a CountersignError whose code is a non-empty
 * string and whose message is one non-empty line, within SLOW_CALL_MS. Returns the outcome.
 */
function typedOutcome(what: string, input: Uint8Array | string, fn: () => unknown): string {
  const started = performance.now();
  let outcome = 'ok';
  try {
    fn();
  } catch (error) {
    if (!(error instanceof CountersignError)) throw new Error(`${what} threw ${describeThrown(error)} on ${shown(input)}`);
    if (typeof error.code !== 'string' || error.code.length === 0) throw new Error(`${what} threw ${error.name} without a code on ${shown(input)}`);
    if (typeof error.message !== 'string' || error.message.length === 0 || /[\r\n]/.test(error.message)) {
      throw new Error(`${what} threw ${error.code} whose message is not one line: ${JSON.stringify(error.message)} on ${shown(input)}`);
    }
    outcome = error.code;
  }
  const elapsed = performance.now() - started;
  if (elapsed > SLOW_CALL_MS) throw new Error(`${what} took ${elapsed.toFixed(0)} ms on ${shown(input)}`);
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Mutations of valid encodings.

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'length'; at: number; info: 24 | 25 | 26 | 27 | 31; fill: 'max' | 'big' | 'small' | 'random'; random: Uint8Array; insert: boolean }
  | { kind: 'duplicate'; from: number; count: number; to: number };

/** Initial bytes that matter to CBOR: every major type's boundaries, tags 18, break, floats. */
const INTERESTING_BYTES = [
  0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x20, 0x3b, 0x40, 0x41, 0x58, 0x5b, 0x5f, 0x60, 0x78, 0x7b, 0x7f, 0x80, 0x84, 0x98,
  0x9b, 0x9f, 0xa0, 0xa1, 0xbb, 0xbf, 0xc0, 0xc1, 0xd2, 0xd8, 0xdb, 0xf4, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xff, 0x0a, 0x22, 0x7b, 0x7d,
];
const ARGUMENT_BYTES: Record<number, number> = { 24: 1, 25: 2, 26: 4, 27: 8, 31: 0 };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert'), at: fc.nat(), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 9 }), fc.constantFrom(...INTERESTING_BYTES).map((b) => Uint8Array.of(b))) }),
  fc.record({ kind: fc.constant('delete'), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('set'), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat({ max: 255 })) }),
  fc.record({
    kind: fc.constant('length'),
    at: fc.nat(),
    info: fc.constantFrom(24 as const, 25 as const, 26 as const, 27 as const, 31 as const),
    fill: fc.constantFrom('max' as const, 'big' as const, 'small' as const, 'random' as const),
    random: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    insert: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('duplicate'), from: fc.nat(), count: fc.integer({ min: 1, max: 64 }), to: fc.nat() }),
);

function mutate(input: Uint8Array, mutation: Mutation): Uint8Array {
  const bytes = Array.from(input);
  const n = bytes.length;
  switch (mutation.kind) {
    case 'flip':
      if (n > 0) bytes[mutation.at % n] = (bytes[mutation.at % n] as number) ^ (1 << mutation.bit);
      break;
    case 'truncate':
      bytes.length = mutation.at % (n + 1);
      break;
    case 'insert':
      bytes.splice(mutation.at % (n + 1), 0, ...mutation.bytes);
      break;
    case 'delete':
      if (n > 0) bytes.splice(mutation.at % n, mutation.count);
      break;
    case 'set':
      if (n > 0) bytes[mutation.at % n] = mutation.value;
      else bytes.push(mutation.value);
      break;
    case 'length': {
      // Keep the major type of the byte there, give it a long (or indefinite) length argument.
      const at = n > 0 ? mutation.at % n : 0;
      const size = ARGUMENT_BYTES[mutation.info] as number;
      const argument = Array.from({ length: size }, (_, i) =>
        mutation.fill === 'max' ? 0xff : mutation.fill === 'big' ? (i === 0 ? 0x7f : 0xff) : mutation.fill === 'small' ? (i === size - 1 ? 0x01 : 0x00) : (mutation.random[i] as number),
      );
      const head = ((bytes[at] ?? 0x40) & 0xe0) | mutation.info;
      if (mutation.insert) bytes.splice(at, n > 0 ? 1 : 0, head, ...argument);
      else bytes.splice(at, 1 + size, head, ...argument);
      break;
    }
    case 'duplicate': {
      if (n === 0) break;
      const from = mutation.from % n;
      const chunk = bytes.slice(from, from + mutation.count);
      bytes.splice(mutation.to % (n + 1), 0, ...chunk);
      break;
    }
  }
  return Uint8Array.from(bytes);
}

function mutatedFrom(seeds: readonly Uint8Array[], maxMutations = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutationArb, { minLength: 1, maxLength: maxMutations }))
    .map(([seed, mutations]) => mutations.reduce((bytes, mutation) => mutate(bytes, mutation), seed));
}

/** Mutates the UTF-8 of a text with the same operations; invalid UTF-8 turns into U+FFFD. */
function mutatedText(seeds: readonly string[]): fc.Arbitrary<string> {
  return mutatedFrom(seeds.map(utf8)).map((bytes) => Buffer.from(bytes).toString('utf8'));
}

/** Random CBOR heads (every major type and additional information) mixed with raw bytes. */
const cborTokenStream: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.nat({ max: 7 }), fc.oneof(fc.nat({ max: 23 }), fc.constantFrom(24, 25, 26, 27, 28, 29, 30, 31)), fc.uint8Array({ minLength: 8, maxLength: 8 }))
          .map(([major, info, argument]) => concat([Uint8Array.of((major << 5) | info), argument.subarray(0, ARGUMENT_BYTES[info] ?? 0)])),
      },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }) },
    ),
    { maxLength: 48 },
  )
  .map(concat);

// ---------------------------------------------------------------------------------------------
// Seeds: statements made here, public vectors, and hand-written CBOR.

const keys = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ES512: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  EdDSA: generateKeyPairSync('ed25519'),
  PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
const ARTIFACT = utf8('the artifact\n');
const ARTIFACT_DIGEST = digestBytes(SHA256, ARTIFACT);
const ISSUER = 'https://issuer.example';

interface CoseWgVector {
  output: { cbor: string };
}

const vectorStatements = haveVectors ? listVectors('scitt-statements').map((file) => readVector('scitt-statements', file)) : [];
const coseWgMessages = haveVectors
  ? listVectors('cose-wg-sign1').map((file) => fromHex((JSON.parse(readFileSync(vectorPath('cose-wg-sign1', file), 'utf8')) as CoseWgVector).output.cbor))
  : [];
const vectorReceipts = haveVectors ? listVectors('cose-receipts-draft').map((file) => readVector('cose-receipts-draft', file)) : [];

/** Certificates from the vectors' x5chains (DER), used as x5chain contents and as PEM key material. */
const vectorCertificates: Uint8Array[] = vectorStatements.flatMap((bytes) => {
  try {
    const chain = decodeSign1(bytes).protectedHeader.get(33);
    return Array.isArray(chain) ? chain.filter((item): item is Uint8Array => item instanceof Uint8Array) : chain instanceof Uint8Array ? [chain] : [];
  } catch {
    return [];
  }
});
/** did:x509 (and other) issuers of the vectors, so verifyStatement resolves their chains. */
const vectorIssuers: string[] = vectorStatements.flatMap((bytes) => {
  try {
    const claims = decodeSign1(bytes).protectedHeader.get(15);
    const iss = claims instanceof Map ? claims.get(1) : undefined;
    return typeof iss === 'string' ? [iss] : [];
  } catch {
    return [];
  }
});

const fakeCertificate = Uint8Array.from([0x30, 0x06, 0x30, 0x00, 0x30, 0x00, 0x03, 0x00]);
const someCertificates = vectorCertificates.length >= 2 ? vectorCertificates.slice(0, 2) : [fakeCertificate, fakeCertificate.slice()];

async function madeStatements(): Promise<Uint8Array[]> {
  const es256 = LocalSigner.from(keys.ES256.privateKey);
  const made: Uint8Array[] = [
    await createSignedStatement({ hashAlgorithm: SHA256, digest: ARTIFACT_DIGEST, issuer: ISSUER, subject: 'pkg:generic/thing@1' }, es256),
    await createSignedStatement(
      {
        hashAlgorithm: SHA384,
        digest: digestBytes(SHA384, ARTIFACT),
        issuer: ISSUER,
        subject: 'pkg:generic/thing@1',
        issuedAt: 1_760_000_000,
        preimageContentType: 'application/octet-stream',
        location: 'https://example.com/thing',
        x5chain: someCertificates,
      },
      LocalSigner.from(keys.ES384.privateKey),
    ),
    await createSignedStatement({ hashAlgorithm: SHA256, digest: ARTIFACT_DIGEST, issuer: ISSUER, subject: 's', issuedAt: 1 }, LocalSigner.from(keys.EdDSA.privateKey)),
    await createSignedStatement({ hashAlgorithm: SHA256, digest: ARTIFACT_DIGEST, issuer: ISSUER, subject: 's' }, LocalSigner.from(keys.PS256.privateKey)),
    await createSignedStatement({ hashAlgorithm: SHA256, digest: ARTIFACT_DIGEST, issuer: ISSUER, subject: 's', x5chain: someCertificates.slice(0, 1) }, LocalSigner.from(keys.ES512.privateKey)),
  ];
  // crit, x5t, x5chain, text-keyed claims and a tagged iat, written by hand.
  const leaf = someCertificates[0] as Uint8Array;
  made.push(
    (
      await signSign1(
        {
          protectedHeader: new Map<Encodable, Encodable>([
            [2, [258, 15]],
            [15, new Map<Encodable, Encodable>([[1, ISSUER], [2, 'sub'], [6, new CborTag(1, 1_700_000_000)], ['svn', 2]])],
            [33, someCertificates],
            [34, [-16, Uint8Array.from(createHash('sha256').update(leaf).digest())]],
            [258, -16],
            [259, 'text/plain'],
          ]),
          unprotectedHeader: new Map<Encodable, Encodable>([[394, [...vectorReceipts.slice(0, 2), encode(new CborTag(18, [new Uint8Array(0), new Map(), null, new Uint8Array(64)]))]]]),
          payload: ARTIFACT_DIGEST,
        },
        es256,
      )
    ).encoded,
  );
  // The older COSE_Hash_V form and an embedded payload.
  made.push(
    (
      await signSign1(
        {
          protectedHeader: new Map<Encodable, Encodable>([
            [3, 'application/json+cose-hash-v'],
            [4, es256.keyId],
            [15, new Map<Encodable, Encodable>([[1, ISSUER], [2, 'sub']])],
          ]),
          payload: encode([-16, ARTIFACT_DIGEST, 'https://example.com/x']),
        },
        es256,
      )
    ).encoded,
    (
      await signSign1(
        { protectedHeader: new Map<Encodable, Encodable>([[3, 'text/plain'], [4, es256.keyId], [15, new Map<Encodable, Encodable>([[1, ISSUER], [2, 'sub']])]]), payload: ARTIFACT },
        es256,
      )
    ).encoded,
  );
  // The same statement with receipts in its unprotected header, bare (old writers) and wrapped.
  const first = decodeSign1(made[0] as Uint8Array);
  made.push(
    encodeSign1({ ...first, unprotectedHeader: new Map([[394, vectorReceipts.map((receipt) => decode(receipt))]]) }),
    encodeSign1({ ...first, unprotectedHeader: new Map([[394, [new Uint8Array([0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40])]]]) }),
  );
  return made;
}

const statements = await madeStatements();

/** Strings that have tripped lookups keyed by plain objects, and other awkward text. */
const AWKWARD_TEXT = ['constructor', '__proto__', 'toString', 'hasOwnProperty', '-16', '-7', 'ES256', 'sha256', '', 'a\nb', '\u202e', 'did:x509:0:sha256:x::eku:1'];

const cborLeafArb: fc.Arbitrary<Encodable> = fc.oneof(
  fc.integer(),
  fc.constantFrom<Encodable>(-7, -8, -35, -36, -37, -38, -39, -16, -43, -44, 0, 1, 2, 3, 4, 6, 15, 33, 34, 258, 259, 260, 394),
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom<Encodable>(...AWKWARD_TEXT),
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom<Encodable>(true, false, null, undefined),
  fc.oneof(fc.nat({ max: 19 }), fc.integer({ min: 32, max: 255 })).map((value) => new CborSimple(value)),
);

function uniqueMap(entries: ReadonlyArray<readonly [Encodable, Encodable]>): Map<Encodable, Encodable> {
  const unique = new Map<string, readonly [Encodable, Encodable]>();
  for (const [key, item] of entries) unique.set(hex(encode(key)), [key, item]);
  return new Map<Encodable, Encodable>([...unique.values()].map(([key, item]) => [key, item]));
}

/** Any encodable CBOR value: leaves, arrays, maps with scalar keys, tags. */
const cborValueArb: fc.Arbitrary<Encodable> = fc.letrec<{ value: Encodable }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    cborLeafArb,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(cborLeafArb, tie('value')), { maxLength: 5 }).map(uniqueMap),
    fc.tuple(fc.oneof(fc.nat({ max: 300 }), fc.constantFrom(1, 18, 24)), tie('value')).map(([tag, item]) => new CborTag(tag, item)),
  ),
})).value;

/**
 * Protected headers built from the labels a statement reader looks at, holding values of every
 * type: well-typed, wrongly typed, and awkward, so the reader's interpretation of each is exercised.
 */
const statementHeaderArb: fc.Arbitrary<Map<Encodable, Encodable>> = fc
  .array(
    fc.oneof(
      fc.tuple(fc.constantFrom<Encodable>(1, 3, 4, 15, 16, 33, 34, 258, 259, 260, 'svn', ...AWKWARD_TEXT), cborValueArb),
      fc.tuple(fc.constant<Encodable>(1), fc.constantFrom<Encodable>(-7, -35, -36, -37, -38, -39, -8, -16, 'ES256')),
      fc.tuple(
        fc.constant<Encodable>(2),
        fc.oneof(
          { weight: 3, arbitrary: fc.array(fc.constantFrom<Encodable>(1, 4, 15, 258), { minLength: 1, maxLength: 3 }) },
          { weight: 1, arbitrary: fc.array(fc.constantFrom<Encodable>(1, 3, 15, 33, 259, 999, 'x', ...AWKWARD_TEXT), { maxLength: 3 }) },
          { weight: 1, arbitrary: cborValueArb },
        ),
      ),
      fc.tuple(
        fc.constant<Encodable>(15),
        fc
          .array(fc.tuple(fc.constantFrom<Encodable>(1, 2, 4, 5, 6, 6, 'svn', ...AWKWARD_TEXT), cborValueArb), { maxLength: 4 })
          .map((entries) => uniqueMap([[1, ISSUER], [2, 'sub'], ...entries])),
      ),
      fc.tuple(fc.constant<Encodable>(34), fc.tuple(fc.oneof(cborLeafArb, fc.constantFrom<Encodable>(-16, -43, -44, ...AWKWARD_TEXT)), fc.uint8Array({ maxLength: 64 }))),
      fc.tuple(fc.constant<Encodable>(33), fc.oneof(fc.constantFrom<Encodable>(...someCertificates), fc.constant<Encodable>(someCertificates), cborValueArb)),
      fc.tuple(fc.constant<Encodable>(258), fc.constantFrom<Encodable>(-16, -43, -44, -1, 0, 'sha256', ...AWKWARD_TEXT)),
    ),
    { maxLength: 9 },
  )
  .map((entries) => uniqueMap([[1, -7], [4, new Uint8Array(8)], [15, new Map<Encodable, Encodable>([[1, ISSUER], [2, 'sub']])], ...entries]));

/** Hand-written CBOR reaching the codec's corners: indefinite items, tags, floats, bignums, simple values. */
const cborSeeds: Uint8Array[] = [
  '00',
  '1bffffffffffffffff',
  '3bffffffffffffffff',
  'c249010000000000000000',
  'f97e00',
  'f98000',
  'fa47c35040',
  'fb3ff199999999999a',
  'f0',
  'f8ff',
  '5f42010243030405ff',
  '7f657374726561646d696e67ff',
  '9f018202039f0405ffff',
  'bf61610161629f0203ffff',
  'a3016161026162a10103',
  'd8184a83010203a0f6f5f4f7',
  'c11a514b67b0',
  '83a0a1a0a0a1a1a0a0a0',
  'a2f93c0001f4f5',
  'a2423031014230310202',
  '8181818181818181818181818181818181818181818181818181818181818181818100',
].map(fromHex);

const allCose = [...statements, ...vectorStatements, ...coseWgMessages, ...vectorReceipts];
const allCbor = [...allCose, ...cborSeeds];

const smallLimits: Partial<DecodeLimits> = { maxDepth: 4, maxItems: 24, maxStringLength: 48, maxInputSize: 512 };

// ---------------------------------------------------------------------------------------------

describe('fuzzing the decoders: they return or throw a typed one-line error, quickly', () => {
  if (!haveVectors) {
    it.skip(`public vector seeds (skipped: ${VECTORS_DIR} is absent; only statements made here are mutated)`, () => undefined);
  }

  it('has seeds to mutate', () => {
    expect(statements.length).toBeGreaterThanOrEqual(10);
    if (haveVectors) {
      expect(vectorStatements.length).toBeGreaterThanOrEqual(6);
      expect(coseWgMessages.length).toBeGreaterThanOrEqual(13);
      expect(vectorIssuers.some((iss) => iss.startsWith('did:x509:'))).toBe(true);
    }
    for (const statement of statements) expect(typedOutcome('parseSignedStatement', statement, () => parseSignedStatement(statement))).toBe('ok');
  });

  describe('CBOR decode', () => {
    it('random bytes, default and small limits', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
          typedOutcome('decode', bytes, () => decode(bytes));
          typedOutcome('decode (small limits)', bytes, () => decode(bytes, smallLimits));
        }),
        { numRuns: 1500 },
      );
    });

    it('random streams of CBOR heads', () => {
      fc.assert(
        fc.property(cborTokenStream, (bytes) => {
          typedOutcome('decode', bytes, () => decode(bytes));
          typedOutcome('decode (small limits)', bytes, () => decode(bytes, smallLimits));
        }),
        { numRuns: 1500 },
      );
    });

    it('mutated valid encodings, default and small limits; what decodes also encodes', () => {
      fc.assert(
        fc.property(mutatedFrom(allCbor), (bytes) => {
          typedOutcome('decode, then encode what it returned', bytes, () => encode(decode(bytes) as Encodable));
          typedOutcome('decode (small limits)', bytes, () => decode(bytes, smallLimits));
        }),
        { numRuns: 1500 },
      );
    });

    it('deterministic encodings of generated values decode and re-encode byte for byte', () => {
      fc.assert(
        fc.property(cborValueArb, (item) => {
          const bytes = encode(item);
          const decoded = decode(bytes);
          expect(hex(encode(decoded as Encodable))).toBe(hex(bytes));
        }),
        { numRuns: 800 },
      );
    });

    it('reads the same from a view inside a larger buffer as from a copy', () => {
      fc.assert(
        fc.property(mutatedFrom(allCbor, 2), fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ maxLength: 16 }), (bytes, before, after) => {
          const view = concat([before, bytes, after]).subarray(before.length, before.length + bytes.length);
          const outcome = (input: Uint8Array): string => {
            try {
              return hex(encode(decode(input) as Encodable));
            } catch (error) {
              return error instanceof CountersignError ? error.code : `untyped ${describeThrown(error)}`;
            }
          };
          expect(outcome(view)).toBe(outcome(bytes));
          const sign1 = (input: Uint8Array): string => {
            try {
              const message = decodeSign1(input);
              return [message.protectedBytes, message.payload ?? new Uint8Array(0), message.signature, input.subarray(...message.unprotectedSpan)].map(hex).join('/');
            } catch (error) {
              return error instanceof CountersignError ? error.code : `untyped ${describeThrown(error)}`;
            }
          };
          expect(sign1(view)).toBe(sign1(bytes));
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('decodeSign1', () => {

    it('mutated COSE_Sign1 messages (statements, cose-wg vectors, receipts), tag optional or required, small limits', () => {
      fc.assert(
        fc.property(mutatedFrom(allCose), (bytes) => {
          typedOutcome('decodeSign1 + describeStatement', bytes, () => describeStatement(decodeSign1(bytes)));
          typedOutcome('decodeSign1 (requireTag)', bytes, () => decodeSign1(bytes, { requireTag: true }));
          typedOutcome('decodeSign1 (small limits)', bytes, () => decodeSign1(bytes, { limits: smallLimits }));
        }),
        { numRuns: 1500 },
      );
    });

    it('random bytes and CBOR head streams behind a COSE_Sign1 prefix', () => {
      fc.assert(
        fc.property(fc.constantFrom('', 'd2', 'd284', '84', 'd28440', 'd28443a10126a0'), fc.oneof(cborTokenStream, fc.uint8Array({ maxLength: 64 })), (prefix, tail) => {
          const bytes = concat([fromHex(prefix), tail]);
          typedOutcome('decodeSign1', bytes, () => decodeSign1(bytes));
        }),
        { numRuns: 1500 },
      );
    });

    it('verifySign1 over mutated messages with every kind of key', () => {
      const publicKeys = Object.values(keys).map((pair) => pair.publicKey);
      fc.assert(
        fc.property(mutatedFrom(statements, 2), fc.constantFrom(...publicKeys), (bytes, key) => {
          typedOutcome('decodeSign1 + verifySign1', bytes, () => verifySign1(decodeSign1(bytes), key));
        }),
        { numRuns: 600 },
      );
    });
  });

  describe('parseSignedStatement', () => {
    it('mutated statements (made here and from other tools)', () => {
      fc.assert(
        fc.property(mutatedFrom(allCose), (bytes) => {
          typedOutcome('parseSignedStatement', bytes, () => parseSignedStatement(bytes));
          typedOutcome('parseSignedStatement (small limits)', bytes, () => parseSignedStatement(bytes, smallLimits));
        }),
        { numRuns: 1500 },
      );
    });

    it('statements whose protected header is random CBOR', () => {
      const template = decodeSign1(statements[0] as Uint8Array);
      fc.assert(
        fc.property(fc.oneof(cborTokenStream, mutatedFrom([template.protectedBytes], 3)), (protectedBytes) => {
          const bytes = encodeSign1({ ...template, protectedBytes });
          typedOutcome('parseSignedStatement + verifyStatementSignature', bytes, () => verifyStatementSignature(parseSignedStatement(bytes), keys.ES256.publicKey));
        }),
        { numRuns: 1000 },
      );
    });

    it('statements whose headers hold every type of value under every label they read', async () => {
      const signer = LocalSigner.from(keys.ES256.privateKey);
      const policy = addIssuer(emptyPolicy(), { iss: ISSUER, key: keys.ES256.publicKey, subjects: ['s*b'] });
      await fc.assert(
        fc.asyncProperty(statementHeaderArb, fc.array(fc.tuple(fc.constantFrom<Encodable>(394, 394, 396, -1, 'x'), cborValueArb), { maxLength: 3 }).map(uniqueMap), fc.boolean(), async (header, unprotectedHeader, embedded) => {
          // Signed for real, so the reader's verdict reaches the signature and what follows it.
          const payload = embedded ? ARTIFACT : ARTIFACT_DIGEST;
          let bytes: Uint8Array;
          try {
            bytes = (await signSign1({ protectedHeader: header, unprotectedHeader, payload }, signer)).encoded;
          } catch (error) {
            if (error instanceof CountersignError) return; // a header the encoder or decoder refuses (both labels in both headers)
            throw error;
          }
          typedOutcome('parseSignedStatement + verifyStatementSignature', bytes, () => verifyStatementSignature(parseSignedStatement(bytes), keys.ES256.publicKey));
          typedOutcome('describeStatement', bytes, () => describeStatement(decodeSign1(bytes)));
          typedOutcome('verifyStatement', bytes, () =>
            verifyStatement({ statement: bytes, artifact: { algorithm: SHA256, digest: ARTIFACT_DIGEST }, policy, allowUnlogged: true }),
          );
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('verifyStatement', () => {
    let policy: TrustPolicy = emptyPolicy();
    for (const pair of Object.values(keys)) policy = addIssuer(policy, { iss: ISSUER, key: pair.publicKey });
    for (const iss of new Set(vectorIssuers)) policy = addIssuer(policy, { iss, subjects: ['*'] });

    it('mutated statements: a verdict whose every reason is one line, or a typed error', () => {
      expect(verifyStatement({ statement: statements[0] as Uint8Array, artifact: { algorithm: SHA256, digest: ARTIFACT_DIGEST }, policy, allowUnlogged: true }).verified).toBe(true);
      fc.assert(
        fc.property(mutatedFrom(allCose, 3), fc.boolean(), (bytes, allowUnlogged) => {
          typedOutcome('verifyStatement', bytes, () => {
            const verdict = verifyStatement({ statement: bytes, artifact: { algorithm: SHA256, digest: ARTIFACT_DIGEST }, policy, allowUnlogged, now: new Date('2025-06-01T00:00:00Z') });
            for (const check of verdict.checks) {
              if (typeof check.reason !== 'string' || /[\r\n]/.test(check.reason)) {
                throw new Error(`verdict check ${check.name} has a reason that is not one line: ${JSON.stringify(check.reason)}`);
              }
            }
            expect(verdict.verified).toBe(!verdict.checks.some((check) => check.outcome === 'fail'));
          });
        }),
        { numRuns: 800 },
      );
    });
  });

  describe('parsePolicy', () => {
    const pair = keys.ES256;
    const validPolicy = serializePolicy(
      addIssuer(addIssuer(emptyPolicy(), { iss: ISSUER, key: pair.publicKey, subjects: ['pkg:*'], notBefore: '2025-01-01T00:00:00Z' }), { iss: 'did:x509:0:sha256:abc::eku:1.2.3' }),
    );
    const jwks: JsonWebKey[] = Object.values(keys).map((item) => item.publicKey.export({ format: 'jwk' }) as JsonWebKey);
    const anyJson = fc.jsonValue({ maxDepth: 2 });
    const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', 'did:x509:0:sha256:x::eku:1', '2025-01-01T00:00:00Z', 'not a time', 'EC', 'RSA', 'OKP', 'P-256', 'Ed25519', 'AQAB'));
    const jwkArb: fc.Arbitrary<unknown> = fc.oneof(
      fc.constantFrom(...jwks),
      fc.tuple(fc.constantFrom(...jwks), fc.constantFrom('kty', 'crv', 'x', 'y', 'n', 'e', 'd', 'alg'), fc.oneof(text, anyJson)).map(([jwk, field, value]) => ({ ...jwk, [field]: value })),
      fc.record({ kty: text, crv: text, x: text, y: text, n: text, e: text, k: text }, { requiredKeys: [] }),
      anyJson,
    );
    const keyArb = fc.record({ kid: fc.oneof(text, anyJson), jwk: jwkArb, notBefore: fc.oneof(text, anyJson), notAfter: fc.oneof(text, anyJson) }, { requiredKeys: [] });
    const issuerArb = fc.oneof(
      fc.record({ iss: fc.oneof(text, anyJson), subjects: fc.oneof(fc.array(text, { maxLength: 3 }), anyJson), keys: fc.oneof(fc.array(keyArb, { maxLength: 2 }), anyJson) }, { requiredKeys: [] }),
      anyJson,
    );
    const serviceArb = fc.oneof(
      fc.record({ iss: fc.oneof(text, anyJson), jwks: fc.oneof(fc.record({ keys: fc.oneof(fc.array(jwkArb, { maxLength: 2 }), anyJson) }), anyJson), jwksUri: fc.oneof(text, anyJson) }, { requiredKeys: [] }),
      anyJson,
    );
    const policyShaped = fc.record(
      {
        version: fc.oneof(fc.constantFrom<unknown>(1, 2, 0, -1, 1.5, '1', null, 1e308), anyJson),
        issuers: fc.oneof(fc.array(issuerArb, { maxLength: 3 }), anyJson),
        services: fc.oneof(fc.array(serviceArb, { maxLength: 2 }), anyJson),
        receipts: fc.oneof(
          fc.record({ minimum: fc.oneof(fc.integer(), fc.double(), anyJson), requireAllListed: fc.oneof(fc.boolean(), anyJson), ignoreUnlisted: fc.oneof(fc.boolean(), anyJson) }, { requiredKeys: [] }),
          anyJson,
        ),
      },
      { requiredKeys: [] },
    );

    it('random text and random JSON', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 64 }), fc.string({ unit: 'binary', maxLength: 64 }), fc.json({ maxDepth: 4 })), (input) => {
          typedOutcome('parsePolicy', input, () => parsePolicy(input));
        }),
        { numRuns: 1000 },
      );
    });

    it('policy-shaped JSON with wrong types, odd keys and damaged JWKs', () => {
      fc.assert(
        fc.property(policyShaped, (shape) => {
          const input = JSON.stringify(shape);
          typedOutcome('parsePolicy', input, () => parsePolicy(input));
        }),
        { numRuns: 600 },
      );
    });

    it('mutated valid policies', () => {
      expect(typedOutcome('parsePolicy', validPolicy, () => parsePolicy(validPolicy))).toBe('ok');
      fc.assert(
        fc.property(mutatedText([validPolicy]), (input) => {
          typedOutcome('parsePolicy', input, () => parsePolicy(input));
        }),
        { numRuns: 800 },
      );
    });
  });

  describe('parseDigest', () => {
    it('random text and ALG:HEX look-alikes', () => {
      const alg = fc.oneof(fc.constantFrom('sha256', 'SHA256', 'sha-256', 'SHA-384', 'sha512', 'sha1', 'md5', '', '-', 'sha256-', 'sha--256'), fc.string({ maxLength: 8 }));
      const hexText = fc.oneof(
        fc.constantFrom(32, 48, 64, 0, 31, 33).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }).map((bytes) => hex(bytes))),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEFgxz \t\n'), maxLength: 140 }),
      );
      const lookalike = fc
        .tuple(fc.constantFrom('', ' ', '\n', '\t'), alg, fc.constantFrom(':', '::', ' : ', '', '=', ':\n'), hexText, fc.constantFrom('', ' ', '\n', '\r\n', '\u2028'))
        .map((parts) => parts.join(''));
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), lookalike), (input) => {
          typedOutcome('parseDigest', input, () => parseDigest(input));
        }),
        { numRuns: 1500 },
      );
    });
  });

  describe('readPublicKey / readPrivateKey', () => {
    const pems: string[] = [];
    const jwkTexts: string[] = [];
    for (const pair of Object.values(keys)) {
      pems.push(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
      jwkTexts.push(JSON.stringify(pair.privateKey.export({ format: 'jwk' })), JSON.stringify(pair.publicKey.export({ format: 'jwk' })));
    }
    pems.push(keys.ES256.privateKey.export({ type: 'sec1', format: 'pem' }).toString(), keys.PS256.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    pems.push(keys.PS256.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    for (const certificate of vectorCertificates.slice(0, 3)) {
      pems.push(`-----BEGIN CERTIFICATE-----\n${Buffer.from(certificate).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
    }
    /** A PEM whose DER body was mutated, so the ASN.1 parser sees damage, not the base64 decoder. */
    const pemWithDamagedBody = fc.tuple(fc.constantFrom(...pems), fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([pem, mutations]) => {
      const label = /-----BEGIN ([A-Z ]+)-----/.exec(pem)?.[1] ?? 'PRIVATE KEY';
      const der = Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
      const damaged = mutations.reduce<Uint8Array>((bytes, mutation) => mutate(bytes, mutation), Uint8Array.from(der));
      return `-----BEGIN ${label}-----\n${Buffer.from(damaged).toString('base64')}\n-----END ${label}-----\n`;
    });
    const jwkEdits = fc
      .tuple(
        fc.constantFrom(...jwkTexts),
        fc.constantFrom('kty', 'crv', 'x', 'y', 'd', 'n', 'e', 'p', 'q', 'dp', 'dq', 'qi', 'use', 'key_ops'),
        fc.oneof(fc.string({ maxLength: 16 }), fc.jsonValue({ maxDepth: 1 }), fc.constantFrom<unknown>(undefined, 'EC', 'RSA', 'OKP', 'oct', 'P-256', 'P-384', 'secp256k1', 'Ed448', 'X25519', 'AA', 'AQAB', '')),
      )
      .map(([text, field, value]) => JSON.stringify({ ...(JSON.parse(text) as object), [field]: value }));
    const material = fc.oneof(
      mutatedText([...pems, ...jwkTexts]),
      pemWithDamagedBody,
      jwkEdits,
      fc.string({ maxLength: 64 }),
      fc.constantFrom('{', '{}', '[]', 'null', '{"kty":"EC"}', '-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    );

    it('mutated PEM and JWK text, as text and as bytes', () => {
      fc.assert(
        fc.property(material, fc.boolean(), (text, asBytes) => {
          const input = asBytes ? utf8(text) : text;
          typedOutcome('readPublicKey', text, () => readPublicKey(input));
          typedOutcome('readPrivateKey', text, () => readPrivateKey(input));
        }),
        { numRuns: 1000 },
      );
    });

    it('random bytes (DER look-alikes included)', () => {
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), mutatedFrom(Object.values(keys).map((item) => Uint8Array.from(item.publicKey.export({ type: 'spki', format: 'der' }))))), (bytes) => {
          typedOutcome('readPublicKey', bytes, () => readPublicKey(bytes));
          typedOutcome('readPrivateKey', bytes, () => readPrivateKey(bytes));
        }),
        { numRuns: 800 },
      );
    });
  });

  describe('within the limits: declared huge lengths fail fast and allocate nothing', () => {
    const hugeHeads = [
      '5b7fffffffffffffff', // byte string, 2^63-1 bytes (bigint length)
      '5bffffffffffffffff',
      '5b00000000ffffffff', // 4 GiB: over maxStringLength
      '5a03ffffff', // just under the 64 MiB limit: over the bytes that remain
      '5a7fffffff',
      '7b7fffffffffffffff',
      '7a03ffffff',
      '9b7fffffffffffffff', // array
      '9a000186a0', // maxItems elements declared
      '9a7fffffff',
      'bb7fffffffffffffff', // map
      'ba0000c350',
      '5f5a03ffffff', // indefinite byte string with a huge chunk
      '7f7a03ffffff',
      '9f5b00000000ffffffff',
      'c25a03ffffff', // bignum tag
      'd2845a03ffffff', // COSE_Sign1 with a huge protected header
      'd28440a05a03ffffff', // ... and a huge payload
      'd28440a0f65b7fffffffffffffff', // ... and a huge signature
      'd28447a1015a03ffffffa0f640', // a protected header declaring a huge value inside
    ].map(fromHex);
    const inputs = Array.from({ length: 1000 }, (_, i) => {
      const head = hugeHeads[i % hugeHeads.length] as Uint8Array;
      // Up to a few hundred bytes follow, always far fewer than declared.
      return concat([head, new Uint8Array((i * 37) % 300).fill(i & 0xff)]);
    });

    it('decode, decodeSign1 and parseSignedStatement over 1000 such inputs: no memory jump, no slow call', () => {
      const decoders: Array<[string, (bytes: Uint8Array) => unknown]> = [
        ['decode', (bytes) => decode(bytes)],
        ['decode (maxInputSize 4096)', (bytes) => decode(bytes, { maxInputSize: 4096 })],
        ['decodeSign1', (bytes) => decodeSign1(bytes)],
        ['parseSignedStatement', (bytes) => parseSignedStatement(bytes)],
      ];
      const accepted: string[] = [];
      // No jest matchers inside the loop: their own allocations would drown what is measured.
      const pass = (): { ms: number; rssMiB: number; arrayBuffersMiB: number } => {
        const before = process.memoryUsage();
        let rss = 0;
        let arrayBuffers = 0;
        const started = performance.now();
        for (const input of inputs) {
          for (const [name, decoder] of decoders) {
            if (typedOutcome(name, input, () => decoder(input)) === 'ok') accepted.push(`${name}: ${hex(input)}`);
          }
          const usage = process.memoryUsage();
          rss = Math.max(rss, usage.rss - before.rss);
          arrayBuffers = Math.max(arrayBuffers, usage.arrayBuffers - before.arrayBuffers);
        }
        return { ms: performance.now() - started, rssMiB: rss / 2 ** 20, arrayBuffersMiB: arrayBuffers / 2 ** 20 };
      };
      // Jest raises Error.stackTraceLimit to 100, and capturing 100 frames per thrown error is what
      // would then dominate the heap; measure with Node's own default of 10, as in production.
      const jestLimit = Error.stackTraceLimit;
      Error.stackTraceLimit = 10;
      let measured: ReturnType<typeof pass>;
      try {
        pass(); // warm-up: JIT and heap growth are not what is measured
        measured = pass();
      } finally {
        Error.stackTraceLimit = jestLimit;
      }
      expect(accepted).toEqual([]);
      expect(measured.ms).toBeLessThan(1500);
      expect(measured.rssMiB).toBeLessThan(8);
      expect(measured.arrayBuffersMiB).toBeLessThan(1);
    });

    it('deep nesting stops at the depth limit instead of overflowing the stack', () => {
      for (const unit of ['81', 'd818', 'a101', '9f', 'bf01', '5f']) {
        const bytes = fromHex(unit.repeat(20_000));
        const outcome = typedOutcome('decode', bytes, () => decode(bytes));
        expect(['CBOR_LIMIT', 'CBOR_TRUNCATED', 'CBOR_MALFORMED']).toContain(outcome);
      }
    });

    it('many small items stop at the item limit', () => {
      const bytes = concat([fromHex('9f'), new Uint8Array(200_000), fromHex('ff')]);
      expect(typedOutcome('decode', bytes, () => decode(bytes))).toBe('CBOR_LIMIT');
      const chunks = concat([fromHex('5f'), fromHex('40'.repeat(150_000)), fromHex('ff')]);
      expect(typedOutcome('decode', chunks, () => decode(chunks))).toBe('CBOR_LIMIT');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Inputs the properties above found (or that aim straight at what they can only hit by luck).

describe('fuzzing findings', () => {
  const signer = LocalSigner.from(keys.ES256.privateKey);
  const claims = new Map<Encodable, Encodable>([[1, ISSUER], [2, 'sub']]);
  const sign = async (protectedHeader: Map<Encodable, Encodable>): Promise<Uint8Array> =>
    (await signSign1({ protectedHeader, payload: ARTIFACT_DIGEST }, signer)).encoded;

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])(
    'an x5t whose hash algorithm is the text "%s" is a typed error, not a TypeError from createHash',
    async (name) => {
      const bytes = await sign(new Map<Encodable, Encodable>([[15, claims], [33, someCertificates[0] as Uint8Array], [34, [name, new Uint8Array(32)]], [258, -16]]));
      expect(typedOutcome('parseSignedStatement', bytes, () => parseSignedStatement(bytes))).toBe('STATEMENT_MALFORMED');
    },
  );

  it('an x5t whose hash algorithm is the text "-16" is refused like any other non-integer', async () => {
    const leaf = someCertificates[0] as Uint8Array;
    const bytes = await sign(new Map<Encodable, Encodable>([[15, claims], [33, leaf], [34, ['-16', Uint8Array.from(createHash('sha256').update(leaf).digest())]], [258, -16]]));
    expect(typedOutcome('parseSignedStatement', bytes, () => parseSignedStatement(bytes))).toBe('STATEMENT_MALFORMED');
  });

  it.each([
    ['alg', new Map<Encodable, Encodable>([[1, 'ES256\nforged: line'], [4, new Uint8Array(1)], [15, claims], [258, -16]])],
    ['crit label', new Map<Encodable, Encodable>([[1, -7], [2, ['x\ny']], ['x\ny', 1], [4, new Uint8Array(1)], [15, claims], [258, -16]])],
    ['payload hash alg (258)', new Map<Encodable, Encodable>([[1, -7], [4, new Uint8Array(1)], [15, claims], [258, 'sha256\nforged']])],
    ['x5t hash alg', new Map<Encodable, Encodable>([[1, -7], [15, claims], [33, fakeCertificate], [34, ['a\nb', new Uint8Array(32)]], [258, -16]])],
  ])('text from the statement (%s) does not break the one-line error message', async (_what, header) => {
    const protectedBytes = encode(header);
    const template = decodeSign1(statements[0] as Uint8Array);
    const bytes = encodeSign1({ ...template, protectedBytes });
    expect(() => typedOutcome('parseSignedStatement', bytes, () => parseSignedStatement(bytes))).not.toThrow();
  });

  it('a text label in both headers does not break the one-line error message', () => {
    const template = decodeSign1(statements[0] as Uint8Array);
    const bytes = encodeSign1({ ...template, protectedBytes: encode(new Map<Encodable, Encodable>([['a\nb', 1], [1, -7]])), unprotectedHeader: new Map([['a\nb', 2]]) });
    expect(() => typedOutcome('decodeSign1', bytes, () => decodeSign1(bytes))).not.toThrow();
  });

  it('a digest with a line break inside does not break the one-line error message', () => {
    const input = `sha256:${'ab'.repeat(16)}\n${'ab'.repeat(16)}`;
    expect(() => typedOutcome('parseDigest', input, () => parseDigest(input))).not.toThrow();
  });

  it('verifying PS384 with an RSASSA-PSS key restricted to SHA-256 is a typed error, not a raw OpenSSL error', async () => {
    const restricted = generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256' });
    const rsaSigner = LocalSigner.from(keys.PS256.privateKey, 'PS384');
    const bytes = await createSignedStatement({ hashAlgorithm: SHA256, digest: ARTIFACT_DIGEST, issuer: ISSUER, subject: 's' }, rsaSigner);
    const outcome = typedOutcome('verifyStatementSignature', bytes, () => verifyStatementSignature(parseSignedStatement(bytes), restricted.publicKey));
    expect(['COSE_BAD_SIGNATURE', 'COSE_KEY_MISMATCH']).toContain(outcome);
  });

  it('an issuer or subject with a line break does not break the verdict into several lines', async () => {
    const issuer = 'evil\n::notice::all good';
    const bytes = await createSignedStatement({ hashAlgorithm: SHA256, digest: ARTIFACT_DIGEST, issuer, subject: 'x\ny' }, signer);
    for (const policy of [
      addIssuer(emptyPolicy(), { iss: ISSUER, key: keys.ES256.publicKey }),
      addIssuer(emptyPolicy(), { iss: issuer, key: keys.ES256.publicKey, subjects: ['pkg:*'] }),
    ]) {
      const verdict = verifyStatement({ statement: bytes, artifact: { algorithm: SHA256, digest: ARTIFACT_DIGEST }, policy, allowUnlogged: true });
      expect(verdict.checks.filter((check) => /[\r\n]/.test(check.reason))).toEqual([]);
    }
  });

  it('a long subject against a subject pattern with two wildcards is judged in linear time, not quadratic', async () => {
    // The pattern is the policy's (trusted), the subject the statement's (anyone's): 30 kB is far under the 1 MiB statement limit.
    const subject = `pkg:${'@'.repeat(30_000)}`;
    const bytes = await createSignedStatement({ hashAlgorithm: SHA256, digest: ARTIFACT_DIGEST, issuer: ISSUER, subject }, signer);
    const policy = addIssuer(emptyPolicy(), { iss: ISSUER, key: keys.ES256.publicKey, subjects: ['pkg:*@*.tgz'] });
    let verdict: ReturnType<typeof verifyStatement> | undefined;
    typedOutcome('verifyStatement', `statement with subject "pkg:" + 30000 x "@", policy subjects ["pkg:*@*.tgz"]`, () => {
      verdict = verifyStatement({ statement: bytes, artifact: { algorithm: SHA256, digest: ARTIFACT_DIGEST }, policy, allowUnlogged: true });
    });
    expect(verdict?.checks.find((check) => check.name === 'subject')?.outcome).toBe('fail');
  });

  it.each([1e13, -1e13, 1.7e15, 1e300])('describeStatement of a statement whose iat is %p answers instead of throwing a RangeError', async (iat) => {
    const bytes = await sign(new Map<Encodable, Encodable>([[4, signer.keyId], [15, new Map<Encodable, Encodable>([[1, ISSUER], [2, 'sub'], [6, iat]])], [258, -16]]));
    expect(typedOutcome('parseSignedStatement', bytes, () => parseSignedStatement(bytes))).toBe('ok');
    typedOutcome('describeStatement', bytes, () => describeStatement(decodeSign1(bytes)));
  });
});
