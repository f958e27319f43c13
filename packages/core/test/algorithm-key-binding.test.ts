import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  LocalSigner,
  algorithmByName,
  keyIdOf,
  publicJwkOf,
  signSign1,
  signWithKey,
  verifySign1,
  type SignatureAlgorithmName,
  type Signer,
} from '../src/cose/index.js';
import { SHA256 } from '../src/digest/hash-algorithms.js';
import { MemoryTree } from '../src/merkle/index.js';
import { ccfReceipt, inclusionReceipt, jwksKeyResolver, signTreeHead, statementLeafHash, treeHeadMessage, verifyCcfReceipt, verifyInclusionReceipt, verifyTreeHead } from '../src/receipts/index.js';
import { createSignedStatement } from '../src/statement/index.js';
import { addIssuer, emptyPolicy, parsePolicy, serializePolicy, type TrustPolicy } from '../src/trust/index.js';
import { verifyStatement } from '../src/verify/index.js';
import { issueCertificate, issueDevChain, resolveDidX509 } from '../src/x509/index.js';
import { errorCode } from './error-code.js';

const digest = new Uint8Array(createHash('sha256').update('artifact').digest());
const artifact = { algorithm: SHA256, digest };

const keys = {
  p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  p521: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  rsa1024: generateKeyPairSync('rsa', { modulusLength: 1024 }),
  rsa2048: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ed25519: generateKeyPairSync('ed25519'),
  ed448: generateKeyPairSync('ed448'),
};

/**
 * What an attacker holding `privateKey` can make: a signature node:crypto produces with the key
 * under the label `algorithm`, whether or not the two belong together.
 */
function labelled(name: SignatureAlgorithmName, privateKey: KeyObject): Signer {
  const algorithm = algorithmByName(name);
  return { algorithm, keyId: new TextEncoder().encode(keyIdOf(privateKey)), sign: async (data) => signWithKey(algorithm, privateKey, data) };
}

/** Pairs that node:crypto signs and (before the binding) verified, though the key does not fit the label. */
const mismatched: Array<[SignatureAlgorithmName, keyof typeof keys]> = [
  ['ES384', 'p256'],
  ['ES512', 'p256'],
  ['ES256', 'p384'],
  ['ES256', 'p521'],
  ['PS256', 'rsa1024'],
  ['EdDSA', 'ed448'],
];
const fitting: Array<[SignatureAlgorithmName, keyof typeof keys]> = [
  ['ES256', 'p256'],
  ['ES384', 'p384'],
  ['ES512', 'p521'],
  ['PS256', 'rsa2048'],
  ['PS512', 'rsa2048'],
  ['EdDSA', 'ed25519'],
];

describe('statements', () => {
  it.each(mismatched)('a %s signature made with a %s key does not verify', async (name, kind) => {
    const message = await signSign1({ protectedHeader: new Map(), payload: digest }, labelled(name, keys[kind].privateKey));
    expect(errorCode(() => verifySign1(message, keys[kind].publicKey))).toBe('COSE_KEY_MISMATCH');
  });

  it.each(fitting)('a %s signature made with a %s key verifies', async (name, kind) => {
    const message = await signSign1({ protectedHeader: new Map(), payload: digest }, labelled(name, keys[kind].privateKey));
    expect(errorCode(() => verifySign1(message, keys[kind].publicKey))).toBe('ok');
  });

  it('fails the statement-signature check, and says so, for a trusted key under the wrong label', async () => {
    const statement = await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: 'build-bot', subject: 'app.tgz' }, labelled('ES384', keys.p256.privateKey));
    // the policy is built in code here: read from a file, a key that does not fit its JWK alg would not load
    const policy = addIssuer(emptyPolicy(), { iss: 'build-bot', key: keys.p256.publicKey });
    const verdict = verifyStatement({ statement, artifact, policy, allowUnlogged: true });
    expect(verdict.checks.filter((check) => check.outcome === 'fail').map((check) => check.name)).toEqual(['statement-signature']);
  });

  it('binds a policy key to the algorithm its JWK alg names', async () => {
    const statement = await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: 'build-bot', subject: 'app.tgz' }, LocalSigner.from(keys.rsa2048.privateKey, 'PS384'));
    const withAlg = (alg: string): TrustPolicy => ({ ...emptyPolicy(), issuers: [{ iss: 'build-bot', keys: [{ kid: keyIdOf(keys.rsa2048.publicKey), jwk: { ...publicJwkOf(keys.rsa2048.publicKey), alg } }] }] });
    const outcome = (policy: TrustPolicy): string | undefined => verifyStatement({ statement, artifact, policy, allowUnlogged: true }).checks.find((check) => check.name === 'statement-signature')?.outcome;
    expect(outcome(withAlg('PS384'))).toBe('pass');
    expect(outcome(withAlg('PS256'))).toBe('fail');
  });

  it('fails an x5chain leaf key used under another algorithm', async () => {
    const now = new Date();
    const { chain, did } = issueDevChain({ subject: [{ type: 'CN', value: 'Release Signing' }], publicKey: keys.p256.publicKey, notBefore: new Date(now.getTime() - 60_000), notAfter: new Date(now.getTime() + 3_600_000) });
    const statement = await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: did, subject: 'app.tgz', x5chain: chain }, labelled('ES512', keys.p256.privateKey));
    const verdict = verifyStatement({ statement, artifact, policy: addIssuer(emptyPolicy(), { iss: did }), allowUnlogged: true });
    expect(verdict.checks.find((check) => check.name === 'issuer')?.outcome).toBe('pass');
    expect(verdict.checks.find((check) => check.name === 'statement-signature')?.outcome).toBe('fail');
  });
});

describe('receipts and tree heads', () => {
  const service = (signer: Signer, publicKey: KeyObject) => ({ signer, resolve: jwksKeyResolver({ keys: [{ ...publicJwkOf(publicKey), kid: keyIdOf(publicKey) }] }) });
  let statement: Uint8Array;
  beforeAll(async () => {
    statement = await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: 'build-bot', subject: 'app.tgz' }, LocalSigner.from(keys.p256.privateKey));
  });

  async function vds1(signer: Signer): Promise<{ receipt: Uint8Array; head: Uint8Array }> {
    const tree = new MemoryTree();
    tree.appendEntry(new Uint8Array(32));
    const index = tree.append(statementLeafHash(statement));
    const signed = await signTreeHead({ root: tree.root(), issuer: 'ledger.example', issuedAt: 1_700_000_000, signer, treeSize: tree.size });
    return { receipt: inclusionReceipt(signed, { treeSize: tree.size, leafIndex: index, path: tree.inclusionProof(index) }), head: treeHeadMessage(signed) };
  }

  it.each(mismatched)('a vds 1 receipt and tree head labelled %s and signed with a %s key do not verify', async (name, kind) => {
    const { signer, resolve } = service(labelled(name, keys[kind].privateKey), keys[kind].publicKey);
    const { receipt, head } = await vds1(signer);
    expect(errorCode(() => verifyInclusionReceipt(receipt, statement, resolve))).toBe('RECEIPT_KEY_MISMATCH');
    expect(errorCode(() => verifyTreeHead(head, resolve))).toBe('RECEIPT_KEY_MISMATCH');
  });

  it.each(mismatched)('a vds 2 receipt labelled %s and signed with a %s key does not verify', async (name, kind) => {
    const { signer, resolve } = service(labelled(name, keys[kind].privateKey), keys[kind].publicKey);
    const receipt = await ccfReceipt({ signer, issuer: 'mst.example', statement, ledger: [new Uint8Array(32)] });
    expect(errorCode(() => verifyCcfReceipt(receipt, statement, resolve))).toBe('RECEIPT_KEY_MISMATCH');
  });

  it('the same receipts verify when the label fits the key', async () => {
    const { signer, resolve } = service(labelled('ES384', keys.p384.privateKey), keys.p384.publicKey);
    const { receipt, head } = await vds1(signer);
    expect(errorCode(() => verifyInclusionReceipt(receipt, statement, resolve))).toBe('ok');
    expect(errorCode(() => verifyTreeHead(head, resolve))).toBe('ok');
    const ccf = await ccfReceipt({ signer, issuer: 'mst.example', statement, ledger: [new Uint8Array(32)] });
    expect(errorCode(() => verifyCcfReceipt(ccf, statement, resolve))).toBe('ok');
  });
});

describe('signing keys, policy keys and certificate issuers', () => {
  it('refuses to sign with a key that does not fit, with a typed error', () => {
    expect(errorCode(() => LocalSigner.from(keys.p256.privateKey, 'ES512'))).toBe('KEY_ALGORITHM_MISMATCH');
    expect(errorCode(() => LocalSigner.from(keys.p384.privateKey, 'ES256'))).toBe('KEY_ALGORITHM_MISMATCH');
    expect(errorCode(() => LocalSigner.from(keys.ed448.privateKey, 'EdDSA'))).toBe('KEY_ALGORITHM_MISMATCH');
    expect(errorCode(() => LocalSigner.from(keys.ed448.privateKey))).toBe('KEY_UNSUPPORTED');
    expect(errorCode(() => LocalSigner.from(keys.rsa1024.privateKey))).toBe('KEY_UNSUPPORTED');
    expect(errorCode(() => LocalSigner.from(keys.rsa1024.privateKey, 'PS512'))).toBe('KEY_UNSUPPORTED');
    expect(errorCode(() => LocalSigner.from(keys.rsa2048.privateKey, 'PS512'))).toBe('ok');
  });

  it('refuses a trust policy holding a key no algorithm accepts, or one its JWK alg does not fit', () => {
    const issuerWith = (jwk: object) => JSON.stringify({ version: 1, issuers: [{ iss: 'build-bot', keys: [{ jwk }] }] });
    expect(errorCode(() => parsePolicy(issuerWith(publicJwkOf(keys.rsa1024.publicKey))))).toBe('POLICY_MALFORMED');
    expect(errorCode(() => parsePolicy(issuerWith(publicJwkOf(keys.ed448.publicKey))))).toBe('POLICY_MALFORMED');
    expect(errorCode(() => parsePolicy(issuerWith({ ...publicJwkOf(keys.p256.publicKey), alg: 'ES384' })))).toBe('POLICY_MALFORMED');
    expect(errorCode(() => parsePolicy(issuerWith({ ...publicJwkOf(keys.p256.publicKey), alg: 'es256' })))).toBe('POLICY_MALFORMED');
    expect(errorCode(() => parsePolicy(issuerWith({ ...publicJwkOf(keys.p256.publicKey), alg: 'ES256' })))).toBe('ok');
    const serviceWith = (jwk: object) => JSON.stringify({ version: 1, services: [{ iss: 'ledger.example', jwks: { keys: [jwk] } }] });
    expect(errorCode(() => parsePolicy(serviceWith(publicJwkOf(keys.rsa1024.publicKey))))).toBe('POLICY_MALFORMED');
    expect(errorCode(() => parsePolicy(serviceWith(publicJwkOf(keys.p384.publicKey))))).toBe('ok');
    expect(errorCode(() => addIssuer(emptyPolicy(), { iss: 'weak', key: keys.rsa1024.publicKey }))).toBe('POLICY_MALFORMED');
    expect(errorCode(() => parsePolicy(serializePolicy(addIssuer(emptyPolicy(), { iss: 'ok', key: keys.ed25519.publicKey }))))).toBe('ok');
  });

  it('refuses a certificate chain whose issuing CA has an RSA key under 2048 bits', () => {
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(Date.now() + 3_600_000);
    const ca = issueCertificate({ subject: [{ type: 'CN', value: 'Weak CA' }], publicKey: keys.rsa1024.publicKey, issuer: { privateKey: keys.rsa1024.privateKey }, notBefore, notAfter, isCA: true });
    const leaf = issueCertificate({ subject: [{ type: 'CN', value: 'Release Signing' }], publicKey: keys.p256.publicKey, issuer: { privateKey: keys.rsa1024.privateKey, certificate: ca }, notBefore, notAfter });
    const fingerprint = createHash('sha256').update(ca).digest('base64url');
    expect(errorCode(() => resolveDidX509(`did:x509:0:sha256:${fingerprint}::subject:CN:Release%20Signing`, [leaf, ca], new Date()))).toBe('X509_UNSUPPORTED_ALGORITHM');
    expect(errorCode(() => issueDevChain({ subject: [{ type: 'CN', value: 'x' }], publicKey: keys.p256.publicKey, caPrivateKey: keys.rsa1024.privateKey, notBefore, notAfter }))).toBe('X509_UNSUPPORTED_ALGORITHM');
  });
});
