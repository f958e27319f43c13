// A release end to end through the CLI: 5,000 artifacts signed, registered with one `countersign log`
// call against `countersign serve` on 127.0.0.1, and verified with one `countersign verify
// --statement-glob` call, on one thread and on every core. Verification is compared with the raw
// signature checks a verifier cannot avoid, measured in the same run: two ES256 verifications per
// artifact for a P-256 release, and one PS384 plus one ES384 for the shape Microsoft's service
// gives (statements signed by an RSA-3072 certificate chain, receipts signed with ES384).
import { execFile } from 'node:child_process';
import { constants, createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeSign1, issueDevChain, leafHash, readInclusionProofs, receiptsOf, rootFromInclusionProof, sigStructure, statementEntry } from '../packages/core/dist/index.js';
import { startListeningChild } from './listening-child.js';

export const name = 'release';

const CLI = fileURLToPath(new URL('../packages/cli/dist/bundle/countersign.js', import.meta.url));
const ARTIFACTS = Number(process.env.BENCH_RELEASE_ARTIFACTS ?? 5_000);
const ARTIFACT_BYTES = 1024;
const VERIFY_RUNS = 3;
/** Registrations in flight for the one log call: the ledger signs one tree head per batch it commits. */
const LOG_CONCURRENCY = 64;
const RAW_ROUNDS = 3;
const GOALS = { es256OneThread: 1.4, es256AllCores: 2.4, realWorld: 4 };
/**
 * The MST-shaped release is logged against `serve --seal-interval` so that, as on a CCF service, the
 * tree is signed once per interval rather than once per batch; short enough that the log call, 64 in
 * flight, is not slowed by it (64 registrations per 100 ms is more than it sends).
 */
const MST_SEAL_INTERVAL_MS = 100;

const execFileAsync = promisify(execFile);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const met = (ok) => (ok ? 'met' : '**NOT MET**');
const seconds = (ms) => (ms / 1000).toFixed(2);
/** Artifacts a `countersign verify` run reports as verified, one line each. */
const verifiedCount = (stdout) => stdout.split('\n').filter((line) => line.startsWith('verified: ')).length;

async function countersign(args, options = {}) {
  const started = performance.now();
  try {
    const { stdout } = await execFileAsync(process.execPath, [CLI, ...args], { maxBuffer: 256 << 20, env: { ...process.env, NODE_OPTIONS: '' }, ...options });
    return { stdout, ms: performance.now() - started };
  } catch (error) {
    throw new Error(`countersign ${args.slice(0, 3).join(' ')} ... failed (${error.code}): ${String(error.stderr).slice(0, 2000)}`);
  }
}

/** Writes the artifacts, signs them with one `countersign sign` call, and returns the statements' DID issuer. */
async function signRelease(dir, keyPath, chainPath, alg) {
  const files = [];
  for (let i = 0; i < ARTIFACTS; i++) {
    const file = join(dir, `artifact-${String(i).padStart(5, '0')}.tgz`);
    const bytes = Buffer.alloc(ARTIFACT_BYTES, i % 251);
    bytes.write(`artifact ${i}`);
    await writeFile(file, bytes);
    files.push(file);
  }
  const { stdout } = await countersign(['sign', ...files, '--key', keyPath, '--alg', alg, '--x5chain', chainPath, '--json']);
  return { files, issuer: JSON.parse(stdout)[0].issuer };
}

/**
 * One release: sign, serve, trust, log (timed), then verify on one thread and on every core,
 * interleaved with rounds of the raw baseline so both see the same machine.
 */
async function release(label, { signingKeyPem, chainPem, alg, serviceKeyPem, rawPerArtifact, sealIntervalMs = 0 }) {
  const dir = await mkdtemp(join(tmpdir(), `countersign-bench-release-${label}-`));
  try {
    const dist = join(dir, 'dist');
    await mkdir(dist);
    await writeFile(join(dir, 'signing-key.pem'), signingKeyPem, { mode: 0o600 });
    await writeFile(join(dir, 'chain.pem'), chainPem);
    await writeFile(join(dir, 'service-key.pem'), serviceKeyPem, { mode: 0o600 });
    const { files, issuer } = await signRelease(dist, join(dir, 'signing-key.pem'), join(dir, 'chain.pem'), alg);

    const server = await startListeningChild([CLI, 'serve', '--data', join(dir, 'ledger'), '--key', join(dir, 'service-key.pem'), '--issuer', `ledger.${label}.example`, '--host', '127.0.0.1', '--port', '0', '--seal-interval', String(sealIntervalMs)]);
    const url = server.firstLine.slice('listening on '.length).trim().split(/\s/)[0];
    let logMs;
    const policy = join(dir, 'trust.json');
    try {
      await countersign(['trust', 'init', '--out', policy]);
      await countersign(['trust', 'add-issuer', '--policy', policy, '--iss', issuer]);
      await countersign(['trust', 'add-service', '--policy', policy, '--url', url]);
      ({ ms: logMs } = await countersign(['log', ...files.map((file) => `${file}.cose`), '--service', url, '--concurrency', String(LOG_CONCURRENCY)]));
    } finally {
      await server.stop();
    }

    const sample = await readFile(`${files[0]}.cose`);
    const signatures = new Set();
    for (const file of files) signatures.add(Buffer.from(decodeSign1(receiptsOf(await readFile(`${file}.cose`))[0]).signature).toString('base64'));
    const glob = join(dist, '*.tgz.cose');
    const verifyOnce = async (threads) => {
      const { stdout, ms } = await countersign(['verify', '--statement-glob', glob, '--trust', policy, '--concurrency', String(threads)]);
      const verified = verifiedCount(stdout);
      if (verified !== ARTIFACTS) throw new Error(`${label}: ${verified} of ${ARTIFACTS} artifacts verified`);
      return ms;
    };
    // The release split in two by name (artifact-00000 to -02499 and -02500 to -04999), each half verified by a
    // one-thread process, both at once: how much two cores give two independent verifiers on this machine.
    const byPrefix = (prefixes) => prefixes.map((prefix) => join(dist, `artifact-${prefix}*.tgz.cose`));
    const halves = [byPrefix(['00', '01', '020', '021', '022', '023', '024']), byPrefix(['025', '026', '027', '028', '029', '03', '04'])];
    const verifyHalvesAtOnce = async () => {
      const started = performance.now();
      const runs = await Promise.all(halves.map((globs) => countersign(['verify', ...globs.flatMap((half) => ['--statement-glob', half]), '--trust', policy, '--concurrency', '1'])));
      const verified = runs.reduce((sum, { stdout }) => sum + verifiedCount(stdout), 0);
      if (verified !== ARTIFACTS) throw new Error(`${label}: ${verified} of ${ARTIFACTS} artifacts verified by the two halves`);
      return performance.now() - started;
    };
    await verifyOnce(availableParallelism()); // warms the page cache
    const oneThread = [];
    const allCores = [];
    const twoProcesses = [];
    const statementChecks = [];
    const receiptChecks = [];
    for (let round = 0; round < VERIFY_RUNS; round++) {
      oneThread.push(await verifyOnce(1));
      if (round < RAW_ROUNDS) {
        const { statementMs, receiptMs } = rawPerArtifact(sample);
        statementChecks.push(statementMs);
        receiptChecks.push(receiptMs);
      }
      allCores.push(await verifyOnce(availableParallelism()));
      twoProcesses.push(await verifyHalvesAtOnce());
    }
    const statementMs = median(statementChecks);
    const receiptMs = median(receiptChecks);
    // The least any verifier must spend: the statements' signatures and one check per distinct tree head.
    const signaturesMs = ARTIFACTS * statementMs + signatures.size * receiptMs;
    return {
      logMs,
      oneThreadMs: median(oneThread),
      allCoresMs: median(allCores),
      twoProcessesMs: median(twoProcesses),
      rawMs: ARTIFACTS * (statementMs + receiptMs),
      signaturesMs,
      treeHeads: signatures.size,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The raw checks for one transparent statement: what it costs to verify its signature and its
 * receipt's, nothing else, each timed on its own (per check, in ms).
 */
function rawChecks(transparent, statementKey, statementParams, receiptKey, receiptHash) {
  const message = decodeSign1(transparent);
  const toBeSigned = sigStructure(message.protectedBytes, message.payload);
  const receipt = decodeSign1(receiptsOf(transparent)[0]);
  const [proof] = readInclusionProofs(receiptsOf(transparent)[0]);
  const root = rootFromInclusionProof(proof.leafIndex, proof.treeSize, leafHash(statementEntry(transparent)), proof.path);
  const receiptToBeSigned = sigStructure(receipt.protectedBytes, root);
  const checkStatement = () => {
    if (!verify(statementParams.hash, toBeSigned, { key: statementKey, ...statementParams.options }, message.signature)) throw new Error('raw statement check failed');
  };
  const checkReceipt = () => {
    if (!verify(receiptHash, receiptToBeSigned, { key: receiptKey, dsaEncoding: 'ieee-p1363' }, receipt.signature)) throw new Error('raw receipt check failed');
  };
  const timed = (check) => {
    let count = 0;
    const started = performance.now();
    while (performance.now() - started < 200) {
      for (let i = 0; i < 20; i++) check();
      count += 20;
    }
    return (performance.now() - started) / count;
  };
  for (let i = 0; i < 50; i++) {
    checkStatement();
    checkReceipt();
  }
  return () => ({ statementMs: timed(checkStatement), receiptMs: timed(checkReceipt) });
}

function timedRaw(statementKey, statementParams, receiptKey, receiptHash) {
  let measure;
  return (transparent) => {
    measure ??= rawChecks(transparent, statementKey, statementParams, receiptKey, receiptHash);
    return measure();
  };
}

/** Median wall time of starting a process that does nothing (`node -e 0`), as the CLI runs are timed. */
async function processStartMs() {
  const runs = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    await execFileAsync(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_OPTIONS: '' } });
    runs.push(performance.now() - started);
  }
  return median(runs);
}

const pem = (key) => key.export({ type: 'pkcs8', format: 'pem' });
const chainPemOf = (chain) => chain.map((der) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`).join('');

function devChain(signingKey, caKey, cn) {
  const now = Date.now();
  return issueDevChain({
    subject: [{ type: 'CN', value: cn }],
    publicKey: createPublicKey(signingKey),
    caPrivateKey: caKey,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 7 * 24 * 3600_000),
  }).chain;
}

export async function run({ log }) {
  const cores = availableParallelism();

  log(`P-256 release: ${ARTIFACTS} artifacts signed ES256, receipts ES256`);
  const es256Signing = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const es256Service = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const p256 = await release('p256', {
    signingKeyPem: pem(es256Signing),
    chainPem: chainPemOf(devChain(es256Signing, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'Release Bench P-256')),
    alg: 'ES256',
    serviceKeyPem: pem(es256Service),
    rawPerArtifact: timedRaw(createPublicKey(es256Signing), { hash: 'sha256', options: { dsaEncoding: 'ieee-p1363' } }, createPublicKey(es256Service), 'sha256'),
  });

  log(`real-world shape: ${ARTIFACTS} artifacts signed PS384 by an RSA-3072 chain, receipts ES384`);
  const rsaSigning = generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey;
  const rsaCa = generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey;
  const es384Service = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const mst = await release('mst', {
    sealIntervalMs: MST_SEAL_INTERVAL_MS,
    signingKeyPem: pem(rsaSigning),
    chainPem: chainPemOf(devChain(rsaSigning, rsaCa, 'Release Bench RSA-3072')),
    alg: 'PS384',
    serviceKeyPem: pem(es384Service),
    rawPerArtifact: timedRaw(
      createPublicKey(rsaSigning),
      { hash: 'sha384', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } },
      createPublicKey(createPrivateKey(pem(es384Service))),
      'sha384',
    ),
  });

  const startMs = await processStartMs();
  const ratio = (figures, ms) => figures.rawMs / ms;
  // No one-shot verifier beats these: a process start and the signature checks that cannot be shared.
  const floorOne = (figures) => startMs + figures.signaturesMs;
  const floorAll = (figures) => startMs + figures.signaturesMs / cores;
  const p256One = ratio(p256, p256.oneThreadMs);
  const p256All = ratio(p256, p256.allCoresMs);
  const mstOne = ratio(mst, mst.oneThreadMs);
  const mstAll = ratio(mst, mst.allCoresMs);
  const rate = (ms) => Math.round((ARTIFACTS * 1000) / ms);
  const row = (measurement, ms, ratioValue, goal) => ({
    measurement,
    seconds: seconds(ms),
    'artifacts/s': rate(ms),
    'ratio to raw': ratioValue === undefined ? '' : ratioValue.toFixed(2),
    goal: goal === undefined ? '' : `>= ${goal}: ${met(ratioValue >= goal)}`,
  });
  const ok = p256One >= GOALS.es256OneThread && p256All >= GOALS.es256AllCores && mstAll >= GOALS.realWorld;
  return {
    title: `A release of ${ARTIFACTS} artifacts: one countersign log call, one countersign verify call`,
    command: 'npm run bench (node bench/run.js release for this section alone)',
    rows: [
      row(`P-256: ${ARTIFACTS} × two raw crypto.verify ES256 (statement + receipt)`, p256.rawMs, 1),
      row(`P-256: countersign log, ${ARTIFACTS} statements, one call (serve on 127.0.0.1)`, p256.logMs),
      row('P-256: countersign verify --statement-glob, 1 thread', p256.oneThreadMs, p256One, GOALS.es256OneThread),
      row(`P-256: countersign verify --statement-glob, ${cores} threads`, p256.allCoresMs, p256All, GOALS.es256AllCores),
      row('P-256: two 1-thread verify processes at once, each over half the release (what two cores give two independent verifiers here)', p256.twoProcessesMs, ratio(p256, p256.twoProcessesMs)),
      row('P-256: floor on 1 thread: node -e 0, then every statement signature and one check per tree head, raw', floorOne(p256), ratio(p256, floorOne(p256))),
      row(`P-256: floor on ${cores} threads: node -e 0, then the same checks split evenly`, floorAll(p256), ratio(p256, floorAll(p256))),
      row(`RSA-3072 chain + ES384 receipts: ${ARTIFACTS} × (raw PS384 + raw ES384)`, mst.rawMs, 1),
      row(`RSA-3072 chain + ES384 receipts: countersign log, ${ARTIFACTS} statements, one call`, mst.logMs),
      row('RSA-3072 chain + ES384 receipts: countersign verify --statement-glob, 1 thread', mst.oneThreadMs, mstOne),
      row(`RSA-3072 chain + ES384 receipts: countersign verify --statement-glob, ${cores} threads (the default)`, mst.allCoresMs, mstAll, GOALS.realWorld),
      row('RSA-3072 chain + ES384 receipts: two 1-thread verify processes at once, each over half the release', mst.twoProcessesMs, ratio(mst, mst.twoProcessesMs)),
      row(`RSA-3072 chain + ES384 receipts: floor on ${cores} threads: node -e 0, then every statement signature and one check per tree head`, floorAll(mst), ratio(mst, floorAll(mst))),
    ],
    notes: [
      `Goals: verifying the P-256 release at least ${GOALS.es256OneThread} times the rate of two raw ES256 verifications per artifact on one thread (${p256One.toFixed(2)}, ${met(p256One >= GOALS.es256OneThread)}) and ${GOALS.es256AllCores} times on every core (${p256All.toFixed(2)}, ${met(p256All >= GOALS.es256AllCores)}); the RSA-3072/ES384 release at least ${GOALS.realWorld} times the rate of one raw PS384 plus one raw ES384 verification per artifact as \`countersign verify\` runs by default, on every core (${mstAll.toFixed(2)}, ${met(mstAll >= GOALS.realWorld)}; ${mstOne.toFixed(2)} on one thread).`,
      `Each artifact is ${ARTIFACT_BYTES} bytes, signed with \`countersign sign --x5chain\` (did:x509 issuer) and registered with one \`countersign log --concurrency ${LOG_CONCURRENCY}\` call against \`countersign serve\` (a fresh ledger, the service key given with --key) in a child process; the trust policy pins the issuer and the service (trust add-service --url). The ledger signed ${p256.treeHeads} tree heads for the P-256 release (one per committed batch, the default) and ${mst.treeHeads} for the other, served with \`--seal-interval ${MST_SEAL_INTERVAL_MS}\` (at most one signed tree head per ${MST_SEAL_INTERVAL_MS} ms, as a CCF service such as Microsoft's signs once per signature interval): the receipt signatures a verifier has to check.`,
      `Verify times are whole \`countersign verify --statement-glob DIR/*.tgz.cose --trust trust.json --concurrency N\` processes (start-up, file reads, digests, statements, receipts, report), the median of ${VERIFY_RUNS} runs each after one warm-up, interleaved with ${RAW_ROUNDS} rounds of the raw checks (about 200 ms for each kind of check, in this process, over the bytes of one of the release's own statements and receipts).`,
      'Receipts of one ledger batch share one signature over one root: a verifier checks it once per batch (byte-identical checks only) and per artifact the statement signature, the digest, the inclusion proof and the binding.',
      'Two processes at once: the release split by name into two halves of 2,500, each verified by a one-thread `countersign verify` process, both started together (the time is until both end); when two independent processes share the machine\'s two cores this way, they show what a second thread can give a one-shot verifier here, at best.',
      `Floors: the time no one-shot verifier can beat on this machine, from figures of this run: starting a process that does nothing (\`node -e 0\`, ${seconds(startMs)} s, median of 7), then ${ARTIFACTS} raw statement signature checks and one raw receipt signature check per distinct tree head, on one thread or split evenly over ${cores}; reading the ${2 * ARTIFACTS} files, digests, parsing and proofs are left out. Their ratio column is the best ratio possible, to read the goals against: ${ratio(p256, floorOne(p256)).toFixed(2)} and ${ratio(p256, floorAll(p256)).toFixed(2)} for P-256 (goals ${GOALS.es256OneThread} and ${GOALS.es256AllCores}), ${ratio(mst, floorAll(mst)).toFixed(2)} for the RSA-3072/ES384 release (goal ${GOALS.realWorld}).`,
    ],
    ok,
  };
}
