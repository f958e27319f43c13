import { createHash, generateKeyPairSync } from 'node:crypto';
import { HeaderLabel, LocalSigner, SHA256, addIssuer, emptyPolicy, signSign1, type Encodable } from '../src/index.js';
import { RegistrationError } from '../src/service/registration-error.js';
import { admitStatement, type RegistrationPolicy } from '../src/service/registration-policy.js';

const signer = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const policy: RegistrationPolicy = { maxStatementBytes: 1024 * 1024, trust: addIssuer(emptyPolicy(), { iss: 'build-bot', key: await signer.publicKey() }) };

async function statementWith(extra: ReadonlyArray<[number, number]>): Promise<Uint8Array> {
  const header = new Map<Encodable, Encodable>([
    [HeaderLabel.alg, signer.algorithm.id],
    [HeaderLabel.cwtClaims, new Map<number, Encodable>([[1, 'build-bot'], [2, 'app.tgz'], ...extra])],
    [HeaderLabel.payloadHashAlg, SHA256.coseId],
    [HeaderLabel.kid, signer.keyId],
  ]);
  const digest = new Uint8Array(createHash('sha256').update('artifact').digest());
  return (await signSign1({ protectedHeader: header, payload: digest }, signer)).encoded;
}

/** The code admission answers, or 'admitted'. */
function admission(statement: Uint8Array, now: Date): string {
  try {
    admitStatement(statement, policy, now);
    return 'admitted';
  } catch (error) {
    if (error instanceof RegistrationError) return error.code;
    throw error;
  }
}

describe('registration within the statement validity period', () => {
  const now = new Date('2026-06-01T12:00:00.700Z');
  const seconds = Math.floor(now.getTime() / 1000);

  it('refuses a statement expired at registration, and one not yet valid', async () => {
    expect(admission(await statementWith([[4, 1000]]), now)).toBe('REGISTRATION_EXPIRED');
    expect(admission(await statementWith([[5, 32_503_680_000]]), now)).toBe('REGISTRATION_NOT_YET_VALID');
  });

  it('judges at the whole second the receipt will carry as its iat', async () => {
    expect(admission(await statementWith([[4, seconds]]), now)).toBe('REGISTRATION_EXPIRED');
    expect(admission(await statementWith([[4, seconds + 1]]), now)).toBe('admitted');
    expect(admission(await statementWith([[5, seconds]]), now)).toBe('admitted');
    // a fractional nbf inside this second is still after the iat the receipt would give
    expect(admission(await statementWith([[5, seconds + 0.5]]), now)).toBe('REGISTRATION_NOT_YET_VALID');
    expect(admission(await statementWith([]), now)).toBe('admitted');
  });
});
