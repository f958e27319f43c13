import { createHash, generateKeyPairSync } from 'node:crypto';
import { CborTag, type Encodable } from '../src/cbor/index.js';
import { HeaderLabel, LocalSigner, keyIdOf, publicJwkOf, signSign1 } from '../src/cose/index.js';
import { SHA256 } from '../src/digest/hash-algorithms.js';
import { MemoryTree } from '../src/merkle/index.js';
import { embedReceipts, inclusionReceipt, signTreeHead, statementLeafHash } from '../src/receipts/index.js';
import { checkStatementValidAt, parseSignedStatement } from '../src/statement/index.js';
import { addIssuer, addService, emptyPolicy } from '../src/trust/index.js';
import { verifyStatement } from '../src/verify/index.js';
import { errorCode } from './error-code.js';

const digest = new Uint8Array(createHash('sha256').update('artifact').digest());
const artifact = { algorithm: SHA256, digest };
const issuerSigner = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const serviceKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const serviceSigner = LocalSigner.from(serviceKeys.privateKey);

/** A hash-envelope statement whose CWT claims carry `extra` (exp 4, nbf 5) beside iss and sub. */
async function statementWith(extra: ReadonlyArray<[number, Encodable]>): Promise<Uint8Array> {
  const claims = new Map<number, Encodable>([[1, 'build-bot'], [2, 'app.tgz'], ...extra]);
  const header = new Map<Encodable, Encodable>([
    [HeaderLabel.alg, issuerSigner.algorithm.id],
    [HeaderLabel.cwtClaims, claims],
    [HeaderLabel.payloadHashAlg, SHA256.coseId],
    [HeaderLabel.kid, issuerSigner.keyId],
  ]);
  return (await signSign1({ protectedHeader: header, payload: digest }, issuerSigner)).encoded;
}

/** The statement with a receipt from 'ledger.example' that says it was registered at `issuedAt`. */
async function registeredAt(statement: Uint8Array, issuedAt: number): Promise<Uint8Array> {
  const tree = new MemoryTree();
  const index = tree.append(statementLeafHash(statement));
  const head = await signTreeHead({ root: tree.root(), issuer: 'ledger.example', issuedAt, signer: serviceSigner, treeSize: tree.size });
  return embedReceipts(statement, [inclusionReceipt(head, { treeSize: tree.size, leafIndex: index, path: tree.inclusionProof(index) })]);
}

const policy = addService(addIssuer(emptyPolicy(), { iss: 'build-bot', key: (await issuerSigner.publicKey()) }), {
  iss: 'ledger.example',
  jwks: { keys: [{ ...publicJwkOf(serviceKeys.publicKey), kid: keyIdOf(serviceKeys.publicKey) }] },
});

const check = (verdict: ReturnType<typeof verifyStatement>): string | undefined => verdict.checks.find((item) => item.name === 'statement-validity')?.outcome;
const at = (seconds: number): Date => new Date(seconds * 1000);

describe('CWT nbf and exp', () => {
  it('are judged as RFC 8392 has them: valid from nbf on, expired from exp on', () => {
    expect(errorCode(() => checkStatementValidAt({ nbf: 1000, exp: 2000 }, at(999)))).toBe('STATEMENT_NOT_YET_VALID');
    expect(errorCode(() => checkStatementValidAt({ nbf: 1000, exp: 2000 }, at(1000)))).toBe('ok');
    expect(errorCode(() => checkStatementValidAt({ nbf: 1000, exp: 2000 }, at(1999.999)))).toBe('ok');
    expect(errorCode(() => checkStatementValidAt({ nbf: 1000, exp: 2000 }, at(2000)))).toBe('STATEMENT_EXPIRED');
    expect(errorCode(() => checkStatementValidAt({}, at(0)))).toBe('ok');
    // far beyond what a Date can show: still a typed answer, not a RangeError from formatting it
    expect(errorCode(() => checkStatementValidAt({ nbf: 1e20 }, at(0)))).toBe('STATEMENT_NOT_YET_VALID');
    expect(errorCode(() => checkStatementValidAt({ exp: -1e20 }, at(0)))).toBe('STATEMENT_EXPIRED');
  });

  it('are read bare or in tag 1, and anything else is malformed', async () => {
    expect(parseSignedStatement(await statementWith([[4, new CborTag(1, 2000)], [5, 1000]])).claims).toMatchObject({ exp: 2000, nbf: 1000 });
    const textual = await statementWith([[4, '2000']]);
    expect(errorCode(() => parseSignedStatement(textual))).toBe('STATEMENT_MALFORMED');
  });

  it('fail verify for a statement expired in 1970 or not valid before the year 3000, judged at verification time without a receipt', async () => {
    const now = new Date('2026-06-01T00:00:00Z');
    for (const claim of [[4, 1000], [5, 32_503_680_000]] as Array<[number, number]>) {
      const verdict = verifyStatement({ statement: await statementWith([claim]), artifact, policy, allowUnlogged: true, now });
      expect(check(verdict)).toBe('fail');
      expect(verdict.verified).toBe(false);
      expect(verdict.checks.filter((item) => item.outcome === 'fail').map((item) => item.name)).toEqual(['statement-validity']);
    }
    expect(check(verifyStatement({ statement: await statementWith([]), artifact, policy, allowUnlogged: true, now }))).toBe('pass');
  });

  it('are judged at the registration time a receipt gives, not at verification time', async () => {
    const statement = await statementWith([[5, 1_700_000_000], [4, 1_700_100_000]]);
    const later = new Date('2030-01-01T00:00:00Z');
    const inWindow = verifyStatement({ statement: await registeredAt(statement, 1_700_050_000), artifact, policy, now: later });
    expect(check(inWindow)).toBe('pass');
    expect(inWindow.verified).toBe(true);
    const afterExp = verifyStatement({ statement: await registeredAt(statement, 1_700_100_000), artifact, policy, now: at(1_700_050_000) });
    expect(check(afterExp)).toBe('fail');
    const beforeNbf = verifyStatement({ statement: await registeredAt(statement, 1_699_999_999), artifact, policy, now: at(1_700_050_000) });
    expect(check(beforeNbf)).toBe('fail');
    // without the receipt the same statement is judged now, when it has long expired
    expect(check(verifyStatement({ statement, artifact, policy, allowUnlogged: true, now: later }))).toBe('fail');
  });
});
