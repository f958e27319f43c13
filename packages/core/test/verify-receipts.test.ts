import { createHash, generateKeyPairSync } from 'node:crypto';
import { LocalSigner, keyIdOf, publicJwkOf } from '../src/cose/index.js';
import { SHA256 } from '../src/digest/hash-algorithms.js';
import { MemoryTree } from '../src/merkle/index.js';
import { embedReceipts, inclusionReceipt, signTreeHead, statementLeafHash } from '../src/receipts/index.js';
import { createSignedStatement } from '../src/statement/index.js';
import { addIssuer, addService, emptyPolicy, type TrustPolicy } from '../src/trust/index.js';
import { verifyStatement } from '../src/verify/index.js';

const sha256 = (text: string): Uint8Array => new Uint8Array(createHash('sha256').update(text).digest());

interface Service {
  iss: string;
  signer: LocalSigner;
  jwks: { keys: Array<Record<string, unknown>> };
}

function service(iss: string): Service {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { iss, signer: LocalSigner.from(privateKey), jwks: { keys: [{ ...publicJwkOf(publicKey), kid: keyIdOf(publicKey) }] } };
}

/** Registers `statement` in a fresh tree of `service` at `issuedAt` and returns the receipt. */
async function receiptFrom(svc: Service, statement: Uint8Array, issuedAt: number): Promise<Uint8Array> {
  const tree = new MemoryTree();
  tree.appendEntry(sha256('someone else'));
  const index = tree.append(statementLeafHash(statement));
  const head = await signTreeHead({ root: tree.root(), issuer: svc.iss, issuedAt, signer: svc.signer, treeSize: tree.size });
  return inclusionReceipt(head, { treeSize: tree.size, leafIndex: index, path: tree.inclusionProof(index) });
}

const issuerKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const digest = sha256('artifact');
const artifact = { algorithm: SHA256, digest };
const ledgerA = service('ledger-a.example');
const ledgerB = service('ledger-b.example');
let statement: Uint8Array;
let basePolicy: TrustPolicy;

beforeAll(async () => {
  statement = await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: 'build-bot', subject: 'app.tgz', issuedAt: 1_700_000_000 }, LocalSigner.from(issuerKeys.privateKey));
  basePolicy = addIssuer(emptyPolicy(), { iss: 'build-bot', key: issuerKeys.publicKey, notBefore: '2023-01-01T00:00:00Z', notAfter: '2024-01-01T00:00:00Z' });
  basePolicy = addService(basePolicy, { iss: ledgerA.iss, jwks: ledgerA.jwks as never });
});

const outcomes = (verdict: ReturnType<typeof verifyStatement>): Record<string, string> => Object.fromEntries(verdict.checks.map((check) => [check.name, check.outcome]));
const reasonOf = (verdict: ReturnType<typeof verifyStatement>, name: string): string => verdict.checks.find((check) => check.name === name)?.reason ?? '';

describe('verifyStatement with receipts', () => {
  it('judges the key at the registration time the receipt gives, not now', async () => {
    const transparent = embedReceipts(statement, [await receiptFrom(ledgerA, statement, 1_700_000_100)]);
    const verdict = verifyStatement({ statement: transparent, artifact, policy: basePolicy, now: new Date('2030-01-01T00:00:00Z') });
    expect(outcomes(verdict)).toMatchObject({ receipts: 'pass', 'key-validity': 'pass', 'statement-signature': 'pass' });
    expect(reasonOf(verdict, 'key-validity')).toContain('2023-11-14T22:15:00.000Z (registration time)');
    expect(verdict.verified).toBe(true);
  });

  it('fails a key that was already retired when the statement was registered', async () => {
    const late = embedReceipts(statement, [await receiptFrom(ledgerA, statement, 1_800_000_000)]);
    const verdict = verifyStatement({ statement: late, artifact, policy: basePolicy });
    expect(outcomes(verdict)).toMatchObject({ receipts: 'pass', 'key-validity': 'fail' });
  });

  it('fails a receipt from a service the policy does not list, unless told to ignore such receipts', async () => {
    const foreign = embedReceipts(statement, [await receiptFrom(ledgerB, statement, 1_700_000_100)]);
    const failed = verifyStatement({ statement: foreign, artifact, policy: basePolicy, now: new Date('2023-06-01T00:00:00Z') });
    expect(outcomes(failed).receipts).toBe('fail');
    expect(reasonOf(failed, 'receipts')).toContain('service ledger-b.example is not in the trust policy');
    const lenient = { ...basePolicy, receipts: { ...basePolicy.receipts, ignoreUnlisted: true } };
    const ignored = verifyStatement({ statement: foreign, artifact, policy: lenient, now: new Date('2023-06-01T00:00:00Z') });
    expect(outcomes(ignored).receipts).toBe('fail');
    expect(reasonOf(ignored, 'receipts')).toContain('0 of 1 required service(s) verified; 1 from unlisted services ignored');
  });

  it('fails when a listed service receipt does not verify, even beside a good one', async () => {
    const good = await receiptFrom(ledgerA, statement, 1_700_000_100);
    const other = await createSignedStatement({ hashAlgorithm: SHA256, digest: sha256('other'), issuer: 'build-bot', subject: 'x' }, LocalSigner.from(issuerKeys.privateKey));
    const wrong = await receiptFrom(ledgerA, other, 1_700_000_100);
    const verdict = verifyStatement({ statement: embedReceipts(statement, [good, wrong]), artifact, policy: basePolicy });
    expect(outcomes(verdict).receipts).toBe('fail');
    expect(reasonOf(verdict, 'receipts')).toMatch(/receipt 2 from ledger-a\.example: .*another statement/);
    const forgiving = { ...basePolicy, receipts: { ...basePolicy.receipts, requireAllListed: false } };
    expect(outcomes(verifyStatement({ statement: embedReceipts(statement, [good, wrong]), artifact, policy: forgiving })).receipts).toBe('pass');
  });

  it('counts receipts against the policy minimum', async () => {
    const twoServices = addService({ ...basePolicy, receipts: { ...basePolicy.receipts, minimum: 2 } }, { iss: ledgerB.iss, jwks: ledgerB.jwks as never });
    const one = embedReceipts(statement, [await receiptFrom(ledgerA, statement, 1_700_000_100)]);
    expect(reasonOf(verifyStatement({ statement: one, artifact, policy: twoServices }), 'receipts')).toContain('1 of 2 required service(s) verified (ledger-a.example)');
    const both = embedReceipts(one, [await receiptFrom(ledgerB, statement, 1_700_000_200)]);
    const verdict = verifyStatement({ statement: both, artifact, policy: twoServices });
    expect(outcomes(verdict).receipts).toBe('pass');
    expect(reasonOf(verdict, 'receipts')).toBe('2 service(s) verified, 2 required: ledger-a.example, ledger-b.example');
    // the earliest registration time decides
    expect(reasonOf(verdict, 'key-validity')).toContain('2023-11-14T22:15:00.000Z');
  });

  it('names the services of each statement in turn, however many statements came before with others', async () => {
    const bothListed = addService(basePolicy, { iss: ledgerB.iss, jwks: ledgerB.jwks as never });
    const fromA = embedReceipts(statement, [await receiptFrom(ledgerA, statement, 1_700_000_100)]);
    const fromB = embedReceipts(statement, [await receiptFrom(ledgerB, statement, 1_700_000_100)]);
    const fromBoth = embedReceipts(fromA, [await receiptFrom(ledgerB, statement, 1_700_000_200)]);
    const expected = new Map([
      [fromA, '1 service(s) verified, 1 required: ledger-a.example'],
      [fromB, '1 service(s) verified, 1 required: ledger-b.example'],
      [fromBoth, '2 service(s) verified, 1 required: ledger-a.example, ledger-b.example'],
    ]);
    for (const transparent of [fromA, fromA, fromB, fromA, fromBoth, fromBoth, fromB]) {
      expect(reasonOf(verifyStatement({ statement: transparent, artifact, policy: bothListed }), 'receipts')).toBe(expected.get(transparent));
    }
    const twoRequired = { ...bothListed, receipts: { ...bothListed.receipts, minimum: 2 } };
    expect(reasonOf(verifyStatement({ statement: fromBoth, artifact, policy: twoRequired }), 'receipts')).toBe('2 service(s) verified, 2 required: ledger-a.example, ledger-b.example');
  });
});
