// Signed-statement sign and verify rates against raw node:crypto ECDSA over the same bytes, in the same run.
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import {
  LocalSigner,
  SHA256,
  addIssuer,
  createSignedStatement,
  emptyPolicy,
  parseSignedStatement,
  sigStructure,
  verifyStatement,
} from '../packages/core/dist/index.js';

export const name = 'sign-verify';

const MAX_SLOWDOWN = 0.15;
const PAIRS = 20;
const SLICE_MS = 150;

/** Operations per second of `fn` over about SLICE_MS (async so that both sides pay the same promise cost). */
async function rate(fn) {
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < SLICE_MS) {
    for (let i = 0; i < 25; i++) await fn();
    count += 25;
    elapsed = performance.now() - started;
  }
  return (count * 1000) / elapsed;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Pairs of short back-to-back slices, the order alternating from pair to pair (A B, B A, ...), so that
 * what the rest of the machine does and what one side leaves for the garbage collector fall on both
 * sides alike; the ratio is the median of the pairs' ratios, each pair measured under the same load.
 */
async function compare(baseline, ours) {
  for (let i = 0; i < 200; i++) {
    await baseline();
    await ours();
  }
  const base = [];
  const mine = [];
  const ratios = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const [first, second] = pair % 2 === 0 ? [baseline, ours] : [ours, baseline];
    const a = await rate(first);
    const b = await rate(second);
    const [baseRate, ourRate] = pair % 2 === 0 ? [a, b] : [b, a];
    base.push(baseRate);
    mine.push(ourRate);
    ratios.push(ourRate / baseRate);
  }
  return { baseline: median(base), ours: median(mine), ratio: median(ratios), spread: [Math.min(...ratios), Math.max(...ratios)] };
}

export async function run({ log }) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = LocalSigner.from(privateKey);
  const digest = new Uint8Array(createHash('sha256').update('artifact').digest());
  const input = { hashAlgorithm: SHA256, digest, issuer: 'bench-issuer', subject: 'app.tar.gz', issuedAt: 1_800_000_000, preimageContentType: 'application/gzip' };
  const statement = await createSignedStatement(input, signer);
  const parsed = parseSignedStatement(statement);
  const toBeSigned = sigStructure(parsed.message.protectedBytes, digest);
  const policy = addIssuer(emptyPolicy(), { iss: 'bench-issuer', key: createPublicKey(privateKey) });
  const artifact = { algorithm: SHA256, digest };
  if (!verifyStatement({ statement, artifact, policy, allowUnlogged: true }).verified) throw new Error('bench statement does not verify');

  log('sign: createSignedStatement vs crypto.sign');
  const signing = await compare(
    async () => sign('sha256', toBeSigned, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
    () => createSignedStatement(input, signer),
  );
  log('verify: verifyStatement vs crypto.verify');
  const signature = parsed.message.signature;
  const verifying = await compare(
    async () => verify('sha256', toBeSigned, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature),
    async () => verifyStatement({ statement, artifact, policy, allowUnlogged: true }),
  );

  const rows = [
    ['sign', 'crypto.sign ES256 over the Sig_structure', 'createSignedStatement (CBOR headers, Sig_structure, LocalSigner, COSE_Sign1)', signing],
    ['verify', 'crypto.verify ES256 over the Sig_structure', 'verifyStatement (decode, policy, key choice, digest compare, signature)', verifying],
  ].map(([operation, baseline, ours, measured]) => ({
    operation,
    baseline,
    'baseline ops/s': Math.round(measured.baseline),
    countersign: ours,
    'countersign ops/s': Math.round(measured.ours),
    ratio: measured.ratio.toFixed(3),
    goal: `at least ${1 - MAX_SLOWDOWN}`,
    'pair ratios (min-max)': `${measured.spread[0].toFixed(2)}-${measured.spread[1].toFixed(2)}`,
  }));
  const ok = [signing, verifying].every((measured) => measured.ratio >= 1 - MAX_SLOWDOWN);
  return {
    title: 'Sign and verify: signed statements against raw node:crypto ECDSA (P-256)',
    command: 'npm run bench (node bench/run.js sign-verify for this section alone)',
    rows,
    notes: [
      `${PAIRS} pairs of back-to-back slices of about ${SLICE_MS} ms (baseline then countersign, then the other way round, alternating), in one process, after a warm-up of both; ops/s are the median slices, the ratio the median of the pairs' ratios. Goal: within ${MAX_SLOWDOWN * 100}% of the baseline (ratio at least ${1 - MAX_SLOWDOWN}).`,
      'The verify side runs the whole gate for a kid-signed statement with a policy key and a 32-byte artifact digest, without a receipt (--allow-unlogged).',
      'Per statement, besides the ECDSA operation itself: signing builds the header maps in canonical label order and encodes them straight into the Sig_structure, frames the COSE_Sign1 in one allocation and awaits once; verifying reads the byte strings in place, builds its Sig_structure in a reused buffer, hashes the statement once for the verdict (straight to hex when no receipt needs the entry) and writes the eight checks with their reasons, those that repeat from statement to statement (algorithm and payload kind, issuer and key, judging time, services) made once rather than per statement.',
      "Rates are wall-clock, what a caller waits for; a pair's two slices run back to back, so load from elsewhere on the machine mostly hits both, and the min-max of the pair ratios shows how much it still moved single slices (a wide spread means a busy machine: rerun when it is quiet).",
    ],
    ok,
  };
}
