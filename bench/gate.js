// The release gate: full verifications per second against two raw ECDSA verifications, and 10,000 artifacts in one call.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LocalSigner,
  MemoryTree,
  SHA256,
  addIssuer,
  addService,
  createSignedStatement,
  digestBytes,
  embedReceipts,
  emptyPolicy,
  inclusionReceipt,
  keyIdOf,
  publicJwkOf,
  parseSignedStatement,
  sigStructure,
  signTreeHead,
  statementLeafHash,
  verifyStatement,
} from '../packages/core/dist/index.js';
import { RecordingHost, verifyArtifacts } from '../packages/steps/dist/index.js';

export const name = 'gate';

const MIN_RATIO = 0.6;
/** Every core against one thread for the batch; the goal is for 2 cores. */
const MIN_CORE_SCALING = 1.7;
/** What a batch may spend per artifact beyond its signature check, in microseconds (a target, not a gate). */
const MAX_BEYOND_SIGNATURE_US = 40;
const ARTIFACTS = Number(process.env.BENCH_GATE_ARTIFACTS ?? 10_000);
const ROUNDS = 5;
const DURATION_MS = 400;

function rate(fn) {
  for (let i = 0; i < 100; i++) fn();
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < DURATION_MS) {
    for (let i = 0; i < 50; i++) fn();
    count += 50;
    elapsed = performance.now() - started;
  }
  return (count * 1000) / elapsed;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A policy, a service and a way to make transparent statements with real vds 1 receipts. */
async function world(count, artifactFor) {
  const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = LocalSigner.from(issuerKey.privateKey);
  const serviceSigner = LocalSigner.from(serviceKey.privateKey);
  let policy = addIssuer(emptyPolicy(), { iss: 'bench-issuer', key: createPublicKey(issuerKey.privateKey) });
  policy = addService(policy, { iss: 'bench-ledger', jwks: { keys: [{ ...publicJwkOf(serviceKey.publicKey), kid: keyIdOf(serviceKey.publicKey) }] } });
  const statements = [];
  const tree = new MemoryTree();
  for (let i = 0; i < count; i++) {
    const digest = digestBytes(SHA256, artifactFor(i));
    const statement = await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: 'bench-issuer', subject: `artifact-${i}`, issuedAt: 1_800_000_000 }, signer);
    statements.push(statement);
    tree.append(statementLeafHash(statement));
  }
  const head = await signTreeHead({ root: tree.root(), issuer: 'bench-ledger', issuedAt: 1_800_000_100, signer: serviceSigner, treeSize: tree.size });
  const transparent = statements.map((statement, index) => embedReceipts(statement, [inclusionReceipt(head, { treeSize: tree.size, leafIndex: index, path: tree.inclusionProof(index) })]));
  return { policy, transparent, issuerKey, serviceKey, head };
}

export async function run({ log }) {
  const small = Buffer.alloc(1024, 7);
  const one = await world(1024, (i) => (i === 0 ? small : Buffer.from(`filler ${i}`)));
  const transparent = one.transparent[0];
  const artifactBytes = small;
  const ok = verifyStatement({ statement: transparent, artifact: { algorithm: SHA256, digest: digestBytes(SHA256, artifactBytes) }, policy: one.policy });
  if (!ok.verified) throw new Error(`bench statement does not verify: ${JSON.stringify(ok.checks)}`);
  const message = parseSignedStatement(transparent).message;
  const toBeSigned = sigStructure(message.protectedBytes, message.payload);
  const receiptToBeSigned = sigStructure(one.head.protectedBytes, one.head.root);

  log('full verification vs two raw ECDSA verifications');
  const baseline = [];
  const ours = [];
  for (let round = 0; round < ROUNDS; round++) {
    baseline.push(
      rate(() => {
        verify('sha256', toBeSigned, { key: one.issuerKey.publicKey, dsaEncoding: 'ieee-p1363' }, message.signature);
        verify('sha256', receiptToBeSigned, { key: one.serviceKey.publicKey, dsaEncoding: 'ieee-p1363' }, one.head.signature);
      }),
    );
    ours.push(rate(() => verifyStatement({ statement: transparent, artifact: { algorithm: SHA256, digest: digestBytes(SHA256, artifactBytes) }, policy: one.policy })));
  }

  log(`${ARTIFACTS} artifacts in one call, one core and all cores`);
  const dir = await mkdtemp(join(tmpdir(), 'countersign-bench-gate-'));
  try {
    const many = await world(ARTIFACTS, (i) => Buffer.from(`artifact number ${i}`));
    const pairs = [];
    for (let i = 0; i < ARTIFACTS; i++) {
      const file = join(dir, `a${i}.bin`);
      await writeFile(file, `artifact number ${i}`);
      await writeFile(`${file}.cose`, many.transparent[i]);
      pairs.push({ artifact: { file }, statementPath: `${file}.cose` });
    }
    const batch = async (concurrency) => {
      const started = performance.now();
      const results = await verifyArtifacts({ pairs, policy: many.policy, concurrency }, new RecordingHost());
      const seconds = (performance.now() - started) / 1000;
      if (!results.every((result) => result.verdict.verified)) throw new Error('a bench artifact did not verify');
      return seconds;
    };
    await batch(2); // warm the page cache and the code
    const oneCore = median([await batch(1), await batch(1), await batch(1)]);
    const allCores = median([await batch(2), await batch(2), await batch(2)]);

    const base = median(baseline);
    const mine = median(ours);
    const ratio = mine / base;
    // The batch's receipts share one tree-head signature: per artifact there remains one signature to
    // check; the rest (reading both files, digest, decoding, proof, policy, verdict) is the overhead.
    const oneSignatureUs = 1e6 / (2 * base);
    const beyondSignatureUs = (oneCore * 1e6) / ARTIFACTS - oneSignatureUs;
    const scaling = oneCore / allCores;
    const cores = availableParallelism();
    // The scaling goal is set for two cores; on one there is nothing to scale, on more it is at least as easy.
    const scalingOk = cores < 2 || scaling >= MIN_CORE_SCALING;
    return {
      title: 'The release gate: full verification, and many artifacts at once',
      command: 'npm run bench (node bench/run.js gate for this section alone)',
      rows: [
        { measurement: 'two raw crypto.verify ES256 (statement + receipt signatures)', 'per second': Math.round(base), ratio: '1.00' },
        { measurement: 'verifyStatement: digest of a 1 KiB artifact, statement, policy, vds 1 receipt, inclusion proof (1024 leaves)', 'per second': Math.round(mine), ratio: ratio.toFixed(2) },
        { measurement: `verify ${ARTIFACTS} artifacts in one call (files, statements, receipts), 1 thread`, 'per second': Math.round(ARTIFACTS / oneCore), ratio: '' },
        {
          measurement: 'of which, per artifact, everything but its one signature check (files read, digest, decoding, proof, policy, verdict)',
          'per second': '',
          ratio: `${beyondSignatureUs.toFixed(0)} us (goal <= ${MAX_BEYOND_SIGNATURE_US}: ${beyondSignatureUs <= MAX_BEYOND_SIGNATURE_US ? 'met' : 'missed'})`,
        },
        {
          measurement: `verify ${ARTIFACTS} artifacts in one call, every core (${cores})`,
          'per second': Math.round(ARTIFACTS / allCores),
          ratio: `${scaling.toFixed(2)} × 1 thread (goal >= ${MIN_CORE_SCALING}: ${scalingOk ? 'met' : 'missed'})`,
        },
      ],
      notes: [
        `Goal: a full verification at least ${MIN_RATIO} of the rate of two raw ECDSA verifications (the two signatures it must check): ${ratio.toFixed(2)}, ${ratio >= MIN_RATIO ? 'met' : 'missed'}.`,
        `Goal: the batch on every core at least ${MIN_CORE_SCALING} times as fast as on one thread (set for 2 cores): ${scaling.toFixed(2)}, ${scalingOk ? 'met' : 'missed'}. The batch's receipts share one tree-head signature, which each thread checks once (ReceiptSignatureCache); the workers are started by the warm-up call and kept, idle, for the next calls (as in any process that verifies more than once; a one-shot \`countersign verify\` pays their start-up, see the release section).`,
        `Target: at most ${MAX_BEYOND_SIGNATURE_US} us per artifact beyond its one signature check on one thread (1 KiB artifacts, both files read): ${beyondSignatureUs.toFixed(0)} us, ${beyondSignatureUs <= MAX_BEYOND_SIGNATURE_US ? 'met' : 'missed'}; one raw ES256 verification takes ${oneSignatureUs.toFixed(0)} us in the same run. A target for the lead to judge, not one of the gate's goals.`,
        `Median of ${ROUNDS} interleaved rounds of about ${DURATION_MS} ms each. The batch figures are the median of 3 calls of verifyArtifacts (the verify step) over files in a temporary directory, after one warm-up call.`,
      ],
      ok: ratio >= MIN_RATIO && scalingOk,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
