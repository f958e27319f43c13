import { createHash, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import type { Encodable } from '../src/cbor/index.js';
import { HeaderLabel, LocalSigner, decodeSign1, encodeSign1, keyIdOf, publicJwkOf } from '../src/cose/index.js';
import { SHA256 } from '../src/digest/hash-algorithms.js';
import { MemoryTree } from '../src/merkle/index.js';
import { ccfReceipt, inclusionReceipt, signTreeHead, statementLeafHash } from '../src/receipts/index.js';
import { createSignedStatement } from '../src/statement/index.js';
import { addIssuer, addService, emptyPolicy, parsePolicy, serializePolicy, type TrustPolicy } from '../src/trust/index.js';
import { verifyStatement } from '../src/verify/index.js';
import { checkReceipts } from '../src/verify/receipts-check.js';
import { errorCode } from './error-code.js';

const sha256 = (text: string): Uint8Array => new Uint8Array(createHash('sha256').update(text).digest());

interface Service {
  iss: string;
  signer: LocalSigner;
  jwks: { keys: Array<Record<string, unknown>> };
}

function service(iss: string, curve: 'P-256' | 'P-384' = 'P-256'): Service {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  return { iss, signer: LocalSigner.from(privateKey), jwks: { keys: [{ ...publicJwkOf(publicKey), kid: keyIdOf(publicKey) }] } };
}

/** A vds 1 receipt for `statement` at leaf `othersBefore` of a tree holding that many other entries first. */
async function vds1Receipt(svc: Service, statement: Uint8Array, othersBefore: number): Promise<Uint8Array> {
  const tree = new MemoryTree();
  for (let i = 0; i < othersBefore; i++) tree.appendEntry(sha256(`someone else ${i}`));
  const index = tree.append(statementLeafHash(statement));
  const head = await signTreeHead({ root: tree.root(), issuer: svc.iss, issuedAt: 1_700_000_000 + othersBefore, signer: svc.signer, treeSize: tree.size });
  return inclusionReceipt(head, { treeSize: tree.size, leafIndex: index, path: tree.inclusionProof(index) });
}

/** The same receipt, same signature, with one more (unsigned) unprotected label: another byte string for one receipt. */
function reencoded(receipt: Uint8Array): Uint8Array {
  const message = decodeSign1(receipt);
  const unprotectedHeader = new Map(message.unprotectedHeader as Map<Encodable, Encodable>);
  unprotectedHeader.set(-70_000, 'padding');
  return encodeSign1({ ...message, unprotectedHeader: unprotectedHeader as never });
}

/** The statement with exactly these receipts in label 394, repeats kept (embedReceipts would fold byte-equal ones). */
function carrying(statement: Uint8Array, receipts: readonly Uint8Array[]): Uint8Array {
  const message = decodeSign1(statement);
  const unprotectedHeader = receipts.length === 0 ? new Map() : new Map([[HeaderLabel.receipts, [...receipts]]]);
  return encodeSign1({ ...message, unprotectedHeader: unprotectedHeader as never });
}

const issuerKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const digest = sha256('artifact');
const artifact = { algorithm: SHA256, digest };
const ledgerA = service('ledger-a.example');
const ledgerB = service('ledger-b.example');
const mst = service('mst.example', 'P-384');
const unlisted = service('elsewhere.example');

/** One receipt in the pool the property draws from: its service, and whether it verifies for the statement. */
interface PoolReceipt {
  name: string;
  service: string;
  verifies: boolean;
  bytes: Uint8Array;
}

let statement: Uint8Array;
let policy: TrustPolicy;
let pool: PoolReceipt[];

beforeAll(async () => {
  statement = await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: 'build-bot', subject: 'app.tgz' }, LocalSigner.from(issuerKeys.privateKey));
  const other = await createSignedStatement({ hashAlgorithm: SHA256, digest: sha256('other'), issuer: 'build-bot', subject: 'x' }, LocalSigner.from(issuerKeys.privateKey));
  policy = addIssuer(emptyPolicy(), { iss: 'build-bot', key: issuerKeys.publicKey });
  for (const svc of [ledgerA, ledgerB, mst]) policy = addService(policy, { iss: svc.iss, jwks: svc.jwks as never });

  pool = [];
  for (const svc of [ledgerA, ledgerB]) {
    const genuine = await vds1Receipt(svc, statement, 1);
    pool.push(
      { name: `${svc.iss} genuine`, service: svc.iss, verifies: true, bytes: genuine },
      { name: `${svc.iss} re-encoded`, service: svc.iss, verifies: true, bytes: reencoded(genuine) },
      { name: `${svc.iss} another entry`, service: svc.iss, verifies: true, bytes: await vds1Receipt(svc, statement, 4) },
      { name: `${svc.iss} for another statement`, service: svc.iss, verifies: false, bytes: await vds1Receipt(svc, other, 1) },
    );
  }
  const ledger = [sha256('tx 1'), sha256('tx 2'), sha256('tx 3')];
  const genuineCcf = await ccfReceipt({ signer: mst.signer, issuer: mst.iss, issuedAt: 1_700_000_050, statement, ledger });
  pool.push(
    { name: 'mst genuine (vds 2)', service: mst.iss, verifies: true, bytes: genuineCcf },
    { name: 'mst re-encoded (vds 2)', service: mst.iss, verifies: true, bytes: reencoded(genuineCcf) },
    { name: 'mst for another statement (vds 2)', service: mst.iss, verifies: false, bytes: await ccfReceipt({ signer: mst.signer, issuer: mst.iss, statement: other, ledger }) },
    { name: 'unlisted genuine', service: unlisted.iss, verifies: true, bytes: await vds1Receipt(unlisted, statement, 1) },
  );
});

const outcomeOf = (verdict: ReturnType<typeof verifyStatement>, name: string): string | undefined => verdict.checks.find((check) => check.name === name)?.outcome;

describe('receipt quorum', () => {
  const twoRequired = (): TrustPolicy => ({ ...policy, receipts: { ...policy.receipts, minimum: 2 } });
  const receipt = (name: string): Uint8Array => pool.find((entry) => entry.name === name)!.bytes;

  it('passes two services against a minimum of two', () => {
    const verdict = verifyStatement({ statement: carrying(statement, [receipt('ledger-a.example genuine'), receipt('ledger-b.example genuine')]), artifact, policy: twoRequired() });
    expect(outcomeOf(verdict, 'receipts')).toBe('pass');
    expect(verdict.verified).toBe(true);
  });

  it.each([
    ['byte-identical', 'ledger-a.example genuine'],
    ['re-encoded with an extra unprotected label', 'ledger-a.example re-encoded'],
    ['another entry of the same service', 'ledger-a.example another entry'],
  ])('fails one service given twice (%s) against a minimum of two', (_how, second) => {
    const receipts = [receipt('ledger-a.example genuine'), receipt(second)];
    expect(checkReceipts(receipts, statement, twoRequired())).toMatchObject({ counted: [{ issuer: 'ledger-a.example' }], failed: 0 });
    const verdict = verifyStatement({ statement: carrying(statement, receipts), artifact, policy: twoRequired() });
    expect(outcomeOf(verdict, 'receipts')).toBe('fail');
    expect(verdict.verified).toBe(false);
  });

  it('reports a repeat beside a quorum without failing it, and records each entry once', () => {
    const receipts = [receipt('ledger-a.example genuine'), receipt('ledger-a.example re-encoded'), receipt('ledger-b.example genuine')];
    const outcome = checkReceipts(receipts, statement, twoRequired());
    expect(outcome.counted.map((counted) => counted.issuer)).toEqual(['ledger-a.example', 'ledger-b.example']);
    expect(outcome.repeats).toHaveLength(1);
    const verdict = verifyStatement({ statement: carrying(statement, receipts), artifact, policy: twoRequired() });
    expect(outcomeOf(verdict, 'receipts')).toBe('pass');
    expect(verdict.statement?.receipts.map((facts) => facts.service)).toEqual(['ledger-a.example', 'ledger-b.example']);
  });

  it('refuses a policy that lists one service twice, by issuer or by key', () => {
    const text = JSON.parse(serializePolicy(policy)) as { services: Array<{ iss: string }> };
    const sameIssuer = { ...text, services: [...text.services, { ...text.services[0], jwks: ledgerB.jwks }] };
    expect(errorCode(() => parsePolicy(JSON.stringify(sameIssuer)))).toBe('POLICY_MALFORMED');
    const sameKey = { ...text, services: [...text.services, { ...text.services[0], iss: 'alias.example' }] };
    expect(errorCode(() => parsePolicy(JSON.stringify(sameKey)))).toBe('POLICY_MALFORMED');
    expect(errorCode(() => addService(policy, { iss: 'alias.example', jwks: ledgerA.jwks as never }))).toBe('POLICY_MALFORMED');
    expect(errorCode(() => parsePolicy(serializePolicy(policy)))).toBe('ok');
  });

  it('counts, for any multiset of receipts, the distinct listed services with at least one receipt that verifies', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(pool.length - 1), { maxLength: 8 }), fc.nat(4), (picks, minimum) => {
        const chosen = picks.map((index) => pool[index]!);
        const listed = new Set([ledgerA.iss, ledgerB.iss, mst.iss]);
        const expected = new Set(chosen.filter((entry) => entry.verifies && listed.has(entry.service)).map((entry) => entry.service)).size;
        // Failures and unlisted services are let through here, so that the count alone decides.
        const lenient: TrustPolicy = { ...policy, receipts: { minimum, requireAllListed: false, ignoreUnlisted: true } };
        const receipts = chosen.map((entry) => entry.bytes);
        expect(checkReceipts(receipts, statement, lenient).counted).toHaveLength(expected);
        const verdict = verifyStatement({ statement: carrying(statement, receipts), artifact, policy: lenient });
        expect(outcomeOf(verdict, 'receipts')).toBe(expected >= minimum ? 'pass' : 'fail');
      }),
      { numRuns: 150 },
    );
  });
});
