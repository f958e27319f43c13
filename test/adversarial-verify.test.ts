// Crafted statements and receipts against the built `countersign verify`, each as an attacker would
// bring it: the gate must answer with the exact exit code and name the check that refused it.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HeaderLabel,
  LocalSigner,
  MemoryTree,
  SHA256,
  addIssuer,
  addService,
  algorithmByName,
  decodeSign1,
  encode,
  encodeSign1,
  emptyPolicy,
  inclusionReceipt,
  keyIdOf,
  publicJwkOf,
  serializePolicy,
  sigStructure,
  signSign1,
  signTreeHead,
  signWithKey,
  statementLeafHash,
  type Encodable,
  type SignatureAlgorithmName,
  type Signer,
  type TrustPolicy,
} from '@countersign/core';
import { countersign, scratchDir } from './cli-harness.js';

const { dir, cleanup } = scratchDir('adversarial-verify');
afterAll(cleanup);

const digest = new Uint8Array(createHash('sha256').update('release artifact').digest());
const digestArg = `sha256:${Buffer.from(digest).toString('hex')}`;

/** A signer that writes `name` as the algorithm whatever the key is: what an attacker's tool can do. */
function labelled(name: SignatureAlgorithmName, privateKey: KeyObject): Signer {
  const algorithm = algorithmByName(name);
  return { algorithm, keyId: new TextEncoder().encode(keyIdOf(privateKey)), sign: async (data) => signWithKey(algorithm, privateKey, data) };
}

const issuerKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const issuer = LocalSigner.from(issuerKeys.privateKey);

/** A hash-envelope statement from 'build-bot' with extra CWT claims (exp 4, nbf 5), signed by `signer`. */
async function statement(signer: Signer = issuer, claims: ReadonlyArray<[number, Encodable]> = []): Promise<Uint8Array> {
  const header = new Map<Encodable, Encodable>([
    [HeaderLabel.alg, signer.algorithm.id],
    [HeaderLabel.cwtClaims, new Map<number, Encodable>([[1, 'build-bot'], [2, 'app.tgz'], ...claims])],
    [HeaderLabel.payloadHashAlg, SHA256.coseId],
    [HeaderLabel.kid, signer.keyId],
  ]);
  return (await signSign1({ protectedHeader: header, payload: digest }, signer)).encoded;
}

interface Service {
  iss: string;
  signer: Signer;
  publicKey: KeyObject;
}

function service(iss: string): Service {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { iss, signer: LocalSigner.from(privateKey), publicKey };
}

/** A vds 1 receipt from `svc` saying `signed` was registered at `issuedAt`. */
async function receipt(svc: Service, signed: Uint8Array, issuedAt = 1_800_000_000, signer: Signer = svc.signer): Promise<Uint8Array> {
  const tree = new MemoryTree();
  tree.appendEntry(new Uint8Array(32).fill(7));
  const index = tree.append(statementLeafHash(signed));
  const head = await signTreeHead({ root: tree.root(), issuer: svc.iss, issuedAt, signer, treeSize: tree.size });
  return inclusionReceipt(head, { treeSize: tree.size, leafIndex: index, path: tree.inclusionProof(index) });
}

/** Exactly these receipts in label 394, repeats kept as an attacker would write them. */
function carrying(signed: Uint8Array, receipts: readonly Uint8Array[]): Uint8Array {
  return encodeSign1({ ...decodeSign1(signed), unprotectedHeader: new Map([[HeaderLabel.receipts, [...receipts]]]) as never });
}

/** The same receipt bytes but for one more unprotected label: same signature, different bytes. */
function reencoded(bytes: Uint8Array): Uint8Array {
  const message = decodeSign1(bytes);
  return encodeSign1({ ...message, unprotectedHeader: new Map([...message.unprotectedHeader, [-70_000, 'x']]) as never });
}

let files = 0;
function file(bytes: Uint8Array | string): string {
  const path = join(dir, `input-${files++}`);
  writeFileSync(path, bytes);
  return path;
}

const ledgerA = service('ledger-a.example');
const ledgerB = service('ledger-b.example');
const outsider = service('outsider.example');

function policyFile(change: (policy: TrustPolicy) => TrustPolicy = (policy) => policy): string {
  let policy = addIssuer(emptyPolicy(), { iss: 'build-bot', key: issuerKeys.publicKey });
  for (const svc of [ledgerA, ledgerB]) policy = addService(policy, { iss: svc.iss, jwks: { keys: [{ ...publicJwkOf(svc.publicKey), kid: keyIdOf(svc.publicKey) }] } });
  return file(serializePolicy(change(policy)));
}
const twoServices = (policy: TrustPolicy): TrustPolicy => ({ ...policy, receipts: { ...policy.receipts, minimum: 2 } });

/** `countersign verify --json`: the exit code and the names of the checks that failed. */
function verify(signed: Uint8Array, policy: string, ...extra: string[]): { status: number; failed: string[] } {
  const run = countersign(['verify', '--digest', digestArg, '--statement', file(signed), '--trust', policy, '--json', ...extra]);
  if (run.status !== 0 && run.status !== 1) return { status: run.status, failed: [] };
  const verdict = JSON.parse(run.stdout) as { checks: Array<{ name: string; outcome: string }> };
  return { status: run.status, failed: verdict.checks.filter((check) => check.outcome === 'fail').map((check) => check.name) };
}

describe('countersign verify against crafted input', () => {
  let good: Uint8Array;
  let fromA: Uint8Array;
  beforeAll(async () => {
    good = await statement();
    fromA = await receipt(ledgerA, good);
  });

  it('passes two services against a minimum of two (the control for what follows)', async () => {
    expect(verify(carrying(good, [fromA, await receipt(ledgerB, good)]), policyFile(twoServices))).toEqual({ status: 0, failed: [] });
  });

  it('fails one service receipt given twice, byte-identical, against a minimum of two', () => {
    expect(verify(carrying(good, [fromA, fromA]), policyFile(twoServices))).toEqual({ status: 1, failed: ['receipts'] });
  });

  it('fails one service receipt given twice, re-encoded with an extra unprotected label, against a minimum of two', () => {
    expect(verify(carrying(good, [fromA, reencoded(fromA)]), policyFile(twoServices))).toEqual({ status: 1, failed: ['receipts'] });
  });

  it('fails an ES384 statement signature made with the trusted P-256 key', async () => {
    expect(verify(await statement(labelled('ES384', issuerKeys.privateKey)), policyFile(), '--allow-unlogged')).toEqual({ status: 1, failed: ['statement-signature'] });
  });

  it('fails a receipt labelled ES512 but signed with the service P-256 key', async () => {
    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const mislabelledService: Service = { iss: ledgerA.iss, signer: labelled('ES512', privateKey.privateKey), publicKey: privateKey.publicKey };
    const policy = file(
      serializePolicy(addService(addIssuer(emptyPolicy(), { iss: 'build-bot', key: issuerKeys.publicKey }), { iss: ledgerA.iss, jwks: { keys: [publicJwkOf(privateKey.publicKey)] } })),
    );
    expect(verify(carrying(good, [await receipt(mislabelledService, good)]), policy)).toEqual({ status: 1, failed: ['receipts'] });
  });

  it('refuses a 1024-bit RSA key in the trust policy (exit 2), and signing with one or with Ed448', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weakPolicy = JSON.parse(serializePolicy(emptyPolicy())) as Record<string, unknown>;
    weakPolicy.issuers = [{ iss: 'build-bot', keys: [{ jwk: publicJwkOf(rsa.publicKey) }] }];
    expect(verify(good, file(JSON.stringify(weakPolicy)), '--allow-unlogged').status).toBe(2);
    const weakPub = file(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    expect(countersign(['trust', 'add-issuer', '--policy', policyFile(), '--iss', 'weak', '--key', weakPub]).status).toBe(2);
    const artifact = file('artifact');
    expect(countersign(['sign', artifact, '--key', file(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), '--out', dir]).status).toBe(2);
    const ed448 = generateKeyPairSync('ed448').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(countersign(['sign', artifact, '--key', file(ed448), '--alg', 'EdDSA', '--out', dir]).status).toBe(2);
  });

  it('fails a statement that expired in 1970, and one not valid before the year 3000', async () => {
    expect(verify(await statement(issuer, [[4, 1000]]), policyFile(), '--allow-unlogged')).toEqual({ status: 1, failed: ['statement-validity'] });
    expect(verify(await statement(issuer, [[5, 32_503_680_000]]), policyFile(), '--allow-unlogged')).toEqual({ status: 1, failed: ['statement-validity'] });
  });

  it('passes a statement that expired after it was registered, judged at the receipt time', async () => {
    const expiring = await statement(issuer, [[4, 1_800_000_500]]);
    expect(verify(carrying(expiring, [await receipt(ledgerA, expiring, 1_800_000_000)]), policyFile())).toEqual({ status: 0, failed: [] });
    expect(verify(carrying(expiring, [await receipt(ledgerA, expiring, 1_800_000_500)]), policyFile())).toEqual({ status: 1, failed: ['statement-validity'] });
  });

  it('does not let a receipt from a service outside the policy backdate the registration', async () => {
    const expiring = await statement(issuer, [[4, 1_800_000_500]]);
    const ignoring = policyFile((policy) => ({ ...policy, receipts: { ...policy.receipts, ignoreUnlisted: true } }));
    const receipts = [await receipt(outsider, expiring, 1_700_000_000), await receipt(ledgerA, expiring, 1_800_001_000)];
    expect(verify(carrying(expiring, receipts), ignoring)).toEqual({ status: 1, failed: ['statement-validity'] });
  });

  it('fails a genuine receipt moved onto another statement of the same issuer', async () => {
    const other = await statement(issuer, [[6, 1_800_000_000]]);
    expect(verify(carrying(other, [fromA]), policyFile())).toEqual({ status: 1, failed: ['receipts'] });
  });

  it('fails a statement whose alg sits only in the unprotected header, where it is not signed', async () => {
    const protectedBytes = encode(new Map<Encodable, Encodable>([
      [HeaderLabel.cwtClaims, new Map<number, Encodable>([[1, 'build-bot'], [2, 'app.tgz']])],
      [HeaderLabel.payloadHashAlg, SHA256.coseId],
      [HeaderLabel.kid, issuer.keyId],
    ]));
    const signature = await issuer.sign(sigStructure(protectedBytes, digest));
    const unsignedAlg = encodeSign1({ protectedBytes, unprotectedHeader: new Map([[HeaderLabel.alg, issuer.algorithm.id]]), payload: digest, signature });
    expect(verify(unsignedAlg, policyFile(), '--allow-unlogged')).toEqual({ status: 1, failed: ['statement-format'] });
  });
});
