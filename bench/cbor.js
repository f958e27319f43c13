// The project's CBOR codec beside cbor-x (configured as DESIGN.md says), and node:crypto beside @noble/hashes:
// speed on real COSE structures, strictness on malformed and non-deterministic input, bounds on hostile
// lengths, and a seeded mutation fuzz run through both decoders. cbor-x and @noble/hashes are
// devDependencies used here only; the figures decide whether either replaces what the project uses.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Decoder, Encoder, isNativeAccelerationEnabled } from 'cbor-x';
import { sha256 as nobleSha256, sha384 as nobleSha384 } from '@noble/hashes/sha2.js';
import { CborError, decode, encode } from '../packages/core/dist/cbor/index.js';
import { LocalSigner, SHA256, ccfReceipt, createSignedStatement } from '../packages/core/dist/index.js';

export const name = 'cbor';

const VECTORS = fileURLToPath(new URL('../../shared/vectors/', import.meta.url));

// DESIGN.md: records, tag-259 maps and tagged typed arrays off, maps as Map.
export const CBOR_X_OPTIONS = Object.freeze({ useRecords: false, useTag259ForMaps: false, tagUint8Array: false, mapsAsObjects: false, variableMapSize: true });
const cborX = { decoder: new Decoder(CBOR_X_OPTIONS), copying: new Decoder({ ...CBOR_X_OPTIONS, copyBuffers: true }), encoder: new Encoder(CBOR_X_OPTIONS) };

const SLICE_MS = 60;
const PAIRS = 8;
const FUZZ_INPUTS = 20_000;
const SLOW_CALL_MS = 250;

const hex = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const fromHex = (text) => Uint8Array.from(Buffer.from(text.replace(/ /g, ''), 'hex'));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Operations per CPU second of `fn` over about SLICE_MS. */
function rate(fn) {
  let count = 0;
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  while (performance.now() - started < SLICE_MS) {
    for (let i = 0; i < 20; i++) fn();
    count += 20;
  }
  const cpu = process.cpuUsage(cpuAtStart);
  return (count * 1e6) / (cpu.user + cpu.system);
}

/** Median rates and the median ratio theirs/ours over pairs of slices whose order alternates. */
function compare(ours, theirs) {
  for (let i = 0; i < 200; i++) {
    ours();
    theirs();
  }
  const mine = [];
  const other = [];
  const ratios = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const first = pair % 2 === 0 ? rate(ours) : rate(theirs);
    const second = pair % 2 === 0 ? rate(theirs) : rate(ours);
    const [a, b] = pair % 2 === 0 ? [first, second] : [second, first];
    mine.push(a);
    other.push(b);
    ratios.push(b / a);
  }
  return { ours: median(mine), theirs: median(other), ratio: median(ratios) };
}

/** How a decoder answered: 'ok', the typed error's code, or what escaped instead (a crash by the fuzz tests' contract). */
function outcome(decoder, bytes) {
  const started = performance.now();
  let result;
  try {
    decoder(bytes);
    result = { accepted: true, what: 'ok' };
  } catch (error) {
    if (error instanceof CborError) result = { accepted: false, what: error.code };
    else if (error instanceof RangeError) result = { accepted: false, what: `RangeError: ${error.message}`, crash: true };
    else if (error instanceof Error && error.constructor === Error) result = { accepted: false, what: `Error: ${error.message}` };
    else result = { accepted: false, what: `${error?.constructor?.name ?? typeof error}: ${String(error?.message ?? error)}`, crash: true };
  }
  result.ms = performance.now() - started;
  if (result.ms > SLOW_CALL_MS) result.crash = true;
  return result;
}

const ours = (bytes) => decode(bytes);
const theirs = (bytes) => cborX.decoder.decode(bytes);

function describeOutcome(result, value) {
  if (!result.accepted) return `rejects (${result.what.length > 70 ? `${result.what.slice(0, 67)}...` : result.what})`;
  return value === undefined ? 'accepts' : `accepts: ${value}`;
}

/** A short picture of what a decoder made of an input it accepted. */
function shown(value) {
  if (value instanceof Map) return `Map(${[...value].map(([k, v]) => `${shown(k)} => ${shown(v)}`).join(', ')})`;
  if (value instanceof Uint8Array) return `${value.constructor.name} ${hex(value)}`;
  if (Array.isArray(value)) return `[${value.map(shown).join(', ')}]`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value !== null && typeof value === 'object') return value.constructor?.name === 'Object' ? JSON.stringify(value) : `${value.constructor?.name} ${JSON.stringify(value)}`;
  return Object.is(value, -0) ? '-0' : String(value);
}

// Inputs RFC 8949 forbids outright (not well-formed or not valid), or that the project's deterministic rules
// (section 4.2.1) and its bounds refuse to produce; `forbidden` says which.
const STRICTNESS_CASES = [
  ['duplicate map key', 'a2 01 02 01 03', 'not valid (RFC 8949 5.6), forbidden in deterministic encoding'],
  ['the same key written two ways', 'a2 01 02 1801 03', 'not valid (5.6)'],
  ['text that is not UTF-8', '62 c328', 'not valid (5.3.1)'],
  ['trailing bytes after the item', '01 02', 'not one well-formed item'],
  ['truncated byte string', '44 0102', 'not well-formed'],
  ['reserved additional information 28', '1c', 'not well-formed (3)'],
  ['indefinite-length integer', '1f', 'not well-formed (3)'],
  ['two-byte simple value under 32', 'f8 10', 'not well-formed (3.3)'],
  ['break outside an indefinite item', '82 01 ff', 'not well-formed'],
  ['text chunk inside an indefinite byte string', '5f 6161 ff', 'not well-formed (3.2.3)'],
  ['non-preferred integer (1 in two bytes)', '1801', 'valid; not deterministic (4.2.1)'],
  ['non-preferred float (1.5 as float32)', 'fa3fc00000', 'valid; not deterministic (4.2.1)'],
  ['indefinite-length byte string', '5f42010243030405ff', 'valid; not deterministic (4.2.1)'],
  ['indefinite-length array', '9f0102ff', 'valid; not deterministic (4.2.1)'],
  ['map keys out of order', 'a2 02 01 01 01', 'valid; not deterministic (4.2.1)'],
  ['tag 259 around a map (cbor-x explicit map)', 'd90103 a1 01 02', 'valid; an unassigned-meaning tag to a COSE reader'],
  ['tag 64 around a byte string (typed array)', 'd840 43 010203', 'valid; a tag COSE does not use'],
  ['tag 28 (shared value)', 'd81c 81 01', 'valid; a tag COSE does not use'],
  ['nesting 10,000 deep', `${'81'.repeat(10_000)}00`, 'valid CBOR; over the project depth bound (32)'],
  ['bstr declaring 2^32 bytes, 8 present', '5b 0000000100000000 0000000000000000', 'not well-formed (truncated); a bound must refuse it before allocating'],
  ['bstr declaring 2^63-1 bytes', '5b 7fffffffffffffff 00', 'not well-formed (truncated)'],
  ['array declaring 100,000,000 items, 1 present', '9a 05f5e100 00', 'not well-formed (truncated)'],
  ['map declaring 2^31-1 entries', 'ba 7fffffff 0000', 'not well-formed (truncated)'],
];

/** Seeds for speed and fuzzing: signed statements, receipts (vds 1 and 2) and CCF inclusion proofs. */
async function corpus() {
  const statements = [];
  const receipts = [];
  const read = (folder) => (existsSync(VECTORS + folder) ? readdirSync(VECTORS + folder).map((file) => [file, new Uint8Array(readFileSync(VECTORS + folder + file))]) : []);
  for (const [file, bytes] of read('scitt-statements/')) if (!file.includes('invalid')) statements.push(bytes);
  for (const [, bytes] of read('cose-receipts-draft/')) receipts.push(bytes);
  // A kid-signed statement as countersign writes it, and a vds 2 receipt shaped like Microsoft's, over a ledger of 1000 leaves.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const statement = await createSignedStatement(
    { hashAlgorithm: SHA256, digest: new Uint8Array(createHash('sha256').update('artifact').digest()), issuer: 'bench-issuer', subject: 'app.tar.gz', issuedAt: 1_800_000_000 },
    LocalSigner.from(privateKey),
  );
  statements.push(statement);
  const mst = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'ES384');
  const ledger = Array.from({ length: 1000 }, (_, i) => new Uint8Array(createHash('sha256').update(`leaf ${i}`).digest()));
  const ccf = await ccfReceipt({ signer: mst, issuer: 'mst.example', issuedAt: 1_800_000_000, statement, ledger, position: 500 });
  receipts.push(ccf);
  // The proofs themselves: vdp (396) -1 holds them as bstr-wrapped CBOR.
  const proofs = decode(ccf).value[1].get(396).get(-1);
  return { statements, receipts, proofs, haveVectors: existsSync(VECTORS) };
}

function speedRows(label, items) {
  // Each codec re-encodes its own decoded value; equal bytes mean the round trip kept the encoding.
  const oursDecoded = items.map(ours);
  const theirsDecoded = items.map(theirs);
  const sameOurs = items.every((bytes, i) => hex(encode(oursDecoded[i])) === hex(bytes));
  const sameTheirs = items.every((bytes, i) => hex(cborX.encoder.encode(theirsDecoded[i])) === hex(bytes));
  const size = Math.round(items.reduce((sum, bytes) => sum + bytes.length, 0) / items.length);
  const decoding = compare(
    () => {
      for (const bytes of items) ours(bytes);
    },
    () => {
      for (const bytes of items) theirs(bytes);
    },
  );
  const encoding = compare(
    () => {
      for (const value of oursDecoded) encode(value);
    },
    () => {
      for (const value of theirsDecoded) cborX.encoder.encode(value);
    },
  );
  // cbor-x hands out views of its input by default; with copyBuffers it copies byte strings as this codec does.
  const copying = compare(
    () => {
      for (const bytes of items) ours(bytes);
    },
    () => {
      for (const bytes of items) cborX.copying.decode(bytes);
    },
  );
  const per = (measured) => (items.length * measured).toFixed(0);
  return [
    { comparison: `decode ${label}`, input: `${items.length} item(s), ${size} bytes on average`, countersign: `${per(decoding.ours)} items/s`, 'cbor-x / @noble/hashes': `${per(decoding.theirs)} items/s`, 'theirs / ours': decoding.ratio.toFixed(2) },
    { comparison: `decode ${label}, cbor-x copying byte strings (copyBuffers)`, input: 'the same', countersign: `${per(copying.ours)} items/s`, 'cbor-x / @noble/hashes': `${per(copying.theirs)} items/s`, 'theirs / ours': copying.ratio.toFixed(2) },
    {
      comparison: `encode ${label}`,
      input: `the decoded values; same bytes back: countersign ${sameOurs ? 'yes' : 'no'}, cbor-x ${sameTheirs ? 'yes' : 'no'}`,
      countersign: `${per(encoding.ours)} items/s`,
      'cbor-x / @noble/hashes': `${per(encoding.theirs)} items/s`,
      'theirs / ours': encoding.ratio.toFixed(2),
    },
  ];
}

/** Seeded mutations of the seeds (the fuzz tests' kinds: flips, truncations, insertions, deletions, long lengths). */
function* mutated(seeds, count) {
  let state = 0x12345678;
  const random = (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  const interesting = [0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x40, 0x58, 0x5b, 0x5f, 0x60, 0x7f, 0x80, 0x9b, 0x9f, 0xa0, 0xbb, 0xbf, 0xc0, 0xd2, 0xd9, 0xf8, 0xf9, 0xfb, 0xff];
  for (let i = 0; i < count; i++) {
    const bytes = Array.from(seeds[random(seeds.length)]);
    for (let edits = 1 + random(3); edits > 0; edits--) {
      const at = random(bytes.length + 1);
      switch (random(6)) {
        case 0:
          if (bytes.length) bytes[at % bytes.length] ^= 1 << random(8);
          break;
        case 1:
          bytes.length = at;
          break;
        case 2:
          bytes.splice(at, 0, interesting[random(interesting.length)]);
          break;
        case 3:
          bytes.splice(at, 1 + random(8));
          break;
        case 4:
          if (bytes.length) bytes[at % bytes.length] = interesting[random(interesting.length)];
          break;
        default: {
          // A long length argument in place of the head there, major type kept.
          const head = ((bytes[at] ?? 0x40) & 0xe0) | [0x1a, 0x1b][random(2)];
          bytes.splice(at, 1, head, ...Array.from({ length: head & 1 ? 8 : 4 }, () => (random(2) ? 0xff : random(256))));
        }
      }
    }
    yield Uint8Array.from(bytes);
  }
}

function fuzz(seeds) {
  const tally = { inputs: 0, bothAccept: 0, bothReject: 0, onlyTheirs: new Map(), onlyOurs: 0, oursCrash: 0, theirsCrash: new Map(), oursMaxMs: 0, theirsMaxMs: 0 };
  const bump = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const bytes of mutated(seeds, FUZZ_INPUTS)) {
    tally.inputs++;
    const a = outcome(ours, bytes);
    const b = outcome(theirs, bytes);
    tally.oursMaxMs = Math.max(tally.oursMaxMs, a.ms);
    tally.theirsMaxMs = Math.max(tally.theirsMaxMs, b.ms);
    if (a.crash) tally.oursCrash++;
    if (b.crash) bump(tally.theirsCrash, b.what.replace(/\d+/g, 'N').slice(0, 60));
    if (a.accepted && b.accepted) tally.bothAccept++;
    else if (!a.accepted && !b.accepted) tally.bothReject++;
    else if (a.accepted) tally.onlyOurs++;
    else bump(tally.onlyTheirs, a.what);
  }
  return tally;
}

function hashRows() {
  const rows = [];
  for (const [size, label] of [
    [1024, '1 KiB'],
    [1 << 20, '1 MiB'],
  ]) {
    const data = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
    for (const [algorithm, noble] of [
      ['sha256', nobleSha256],
      ['sha384', nobleSha384],
    ]) {
      if (hex(createHash(algorithm).update(data).digest()) !== hex(noble(data))) throw new Error(`${algorithm} digests differ`);
      const measured = compare(
        () => createHash(algorithm).update(data).digest(),
        () => noble(data),
      );
      const mbps = (ops) => `${((ops * size) / 2 ** 20).toFixed(0)} MiB/s`;
      rows.push({ comparison: `${algorithm.toUpperCase()} node:crypto vs @noble/hashes`, input: label, countersign: mbps(measured.ours), 'cbor-x / @noble/hashes': mbps(measured.theirs), 'theirs / ours': measured.ratio.toFixed(2) });
    }
  }
  return rows;
}

export async function run({ log }) {
  const { statements, receipts, proofs, haveVectors } = await corpus();
  log('speed: decode and encode');
  const rows = [...speedRows('signed statements', statements), ...speedRows('receipts (vds 1 and 2)', receipts), ...speedRows('CCF inclusion proofs', proofs)];

  log('strictness and bounds');
  const strictness = STRICTNESS_CASES.map(([what, input, forbidden]) => {
    const bytes = fromHex(input);
    const a = outcome(ours, bytes);
    const b = outcome(theirs, bytes);
    let theirValue;
    if (b.accepted && !what.startsWith('nesting')) theirValue = shown(theirs(bytes));
    return {
      comparison: `strictness: ${what}`,
      input: `${input.length > 40 ? `${input.slice(0, 37)}...` : input} (${forbidden})`,
      countersign: `${describeOutcome(a)}, ${a.ms.toFixed(2)} ms`,
      'cbor-x / @noble/hashes': `${describeOutcome(b, theirValue)}${b.crash ? ' [crash: not an ordinary error]' : ''}, ${b.ms.toFixed(2)} ms`,
      'theirs / ours': a.accepted === b.accepted ? 'same' : b.accepted ? 'cbor-x accepts' : 'cbor-x rejects',
    };
  });
  rows.push(...strictness);
  const theirLooser = strictness.filter((row) => row['theirs / ours'] === 'cbor-x accepts').length;
  const theirCrashes = strictness.filter((row) => row['cbor-x / @noble/hashes'].includes('[crash')).length;

  log(`fuzz: ${FUZZ_INPUTS} seeded mutations through both decoders`);
  const seeds = [...statements, ...receipts, ...proofs, ...STRICTNESS_CASES.slice(0, 18).map(([, input]) => fromHex(input))];
  const tally = fuzz(seeds);
  const list = (map) => [...map].map(([key, count]) => `${key} ${count}`).join('; ') || 'none';
  rows.push({
    comparison: 'fuzz: mutated statements, receipts and proofs',
    input: `${tally.inputs} inputs (seeded), ${tally.bothAccept} accepted and ${tally.bothReject} refused by both`,
    countersign: `TypeError, RangeError or over ${SLOW_CALL_MS} ms: ${tally.oursCrash}; slowest ${tally.oursMaxMs.toFixed(1)} ms; accepts what cbor-x refuses: ${tally.onlyOurs}`,
    'cbor-x / @noble/hashes': `TypeError, RangeError or over ${SLOW_CALL_MS} ms: ${list(tally.theirsCrash)}; slowest ${tally.theirsMaxMs.toFixed(1)} ms; accepts what countersign refuses: ${[...tally.onlyTheirs.values()].reduce((a, b) => a + b, 0)} (${list(tally.onlyTheirs)})`,
    'theirs / ours': '',
  });

  log('hashes: node:crypto vs @noble/hashes');
  const hashes = hashRows();
  rows.push(...hashes);

  const speed = rows.filter((row) => /^(de|en)code /.test(row.comparison));
  const slowerDecode = speed.filter((row) => row.comparison.startsWith('decode') && !row.comparison.includes('copyBuffers') && Number(row['theirs / ours']) < 1).length;
  const slowerEncode = speed.filter((row) => row.comparison.startsWith('encode') && Number(row['theirs / ours']) < 1).length;
  const nobleSlower = hashes.every((row) => Number(row['theirs / ours']) < 1);
  const cborXAdopted = theirLooser === 0 && theirCrashes === 0 && tally.onlyTheirs.size === 0 && tally.theirsCrash.size === 0 && slowerDecode === 0 && slowerEncode === 0;
  return {
    title: 'CBOR and hashes: the project codec beside cbor-x, node:crypto beside @noble/hashes',
    command: 'npm run bench (node bench/run.js cbor for this section alone)',
    rows,
    notes: [
      `cbor-x ${JSON.parse(readFileSync(new URL('../node_modules/cbor-x/package.json', import.meta.url), 'utf8')).version} with ${JSON.stringify(CBOR_X_OPTIONS)} (DESIGN.md: no records, no tag-259 maps, no tagged typed arrays, maps as Map); native string extraction (cbor-extract) ${isNativeAccelerationEnabled ? 'on' : 'off: pure JavaScript'}. cbor-x hands out byte strings as views of its input; the project's decode copies them (COSE reading takes views where it keeps the input anyway).`,
      `Speed: items per CPU second, median of ${PAIRS} pairs of ${SLICE_MS} ms slices in alternating order; "theirs / ours" above 1 means cbor-x (or @noble/hashes) is faster. Corpus: ${haveVectors ? 'the public vectors (scitt-statements, cose-receipts-draft) plus' : 'vectors absent; only'} a kid-signed statement made here and a vds 2 receipt over a 1000-leaf ledger with its bstr-wrapped CCF proof.`,
      `Adoption rule (issue 11, DESIGN.md): cbor-x replaces the codec only where it is at least as strict, as bounded and not slower. Measured: cbor-x accepts ${theirLooser} of the ${STRICTNESS_CASES.length} strictness inputs the project refuses, ${theirCrashes} end in a stack overflow rather than an error, and in the fuzz run it accepts ${[...tally.onlyTheirs.values()].reduce((a, b) => a + b, 0)} inputs the project refuses; it is slower at decoding in ${slowerDecode} and at encoding in ${slowerEncode} of ${speed.length / 3} corpora, and its encoder keeps map keys in insertion order (not RFC 8949 4.2.1 order). Decision: ${cborXAdopted ? 'adopt cbor-x' : 'keep the project codec'}.`,
      `Hashes: node:crypto (OpenSSL) against @noble/hashes (pure JavaScript) on the same bytes, equal digests checked first. Decision: ${nobleSlower ? 'keep node:crypto' : 'measure again: @noble/hashes was not slower everywhere'}.`,
    ],
    ok: true,
  };
}
