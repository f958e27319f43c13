import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeaderLabel, LocalSigner, SHA256, signSign1 } from '@countersign/core';
import { countersign, expectOneLineError, scratchDir } from './cli-harness.js';

const { dir, cleanup } = scratchDir('cli');
afterAll(cleanup);

const artifact = join(dir, 'app.tar.gz');
writeFileSync(artifact, Buffer.alloc(300_000, 7));
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

function verifyJson(args: string[]): { status: number; checks: Record<string, { outcome: string; reason: string }> } {
  const run = countersign(['verify', ...args, '--json']);
  const parsed = JSON.parse(run.stdout) as { checks: Array<{ name: string; outcome: string; reason: string }> };
  return { status: run.status, checks: Object.fromEntries(parsed.checks.map((check) => [check.name, check])) };
}

describe('countersign CLI', () => {
  it('has --help on every command and lists them all', () => {
    const overview = countersign(['--help']);
    expect(overview.status).toBe(0);
    const names = ['release', 'keygen', 'digest', 'sign', 'verify', 'inspect', 'trust init', 'trust add-issuer'];
    for (const name of names) {
      expect(overview.stdout).toContain(name);
      const help = countersign([...name.split(' '), '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^Usage: countersign /);
    }
  });

  it('answers wrong usage with exit 2 and one line', () => {
    expectOneLineError(countersign(['frobnicate']), 2, /unknown command "frobnicate"/);
    expectOneLineError(countersign(['digest', '--bogus', 'x']), 2, /--bogus.*see: countersign digest --help/);
    expectOneLineError(countersign(['sign', artifact]), 2, /--key is required/);
    // A value starting with a dash, given after a space: node's parser calls it ambiguous over three lines.
    expectOneLineError(countersign(['serve', '--seal-interval', '-1']), 2, /^countersign: --seal-interval needs a value \(one that starts with a dash is written --seal-interval=VALUE\) \(see: countersign serve --help\)$/);
    expectOneLineError(countersign(['trust']), 2, /unknown command "trust".*trust init/);
  });

  it('keygen writes a private key only its owner can read, the public key beside it, and prints the key id', () => {
    const run = countersign(['keygen', '--out', join(dir, 'k.pem'), '--self-signed-cert', 'Release Signing']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, 'k.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'k.pub.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    expect(readFileSync(join(dir, 'k.crt.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(run.stderr).toContain('did:x509:0:sha256:');
    expect(run.stderr).not.toContain('PRIVATE KEY');
    expectOneLineError(countersign(['keygen', '--out', join(dir, 'k.pem')]), 2, /already exists/);
  });

  it.each(['ES384', 'ES512', 'PS256', 'EdDSA'])('keygen --alg %s produces a key that signs and verifies', (alg) => {
    const key = join(dir, `key-${alg}.pem`);
    expect(countersign(['keygen', '--alg', alg, '--out', key]).status).toBe(0);
    const signed = countersign(['sign', artifact, '--key', key, '--out', join(dir, alg)]);
    expect(signed.status).toBe(0);
    const policy = join(dir, `trust-${alg}.json`);
    const keyId = countersign(['trust', 'init', '--out', policy]);
    expect(keyId.status).toBe(0);
    const pub = key.replace(/\.pem$/, '.pub.pem');
    const inspect = JSON.parse(countersign(['inspect', join(dir, alg, 'app.tar.gz.cose'), '--json']).stdout) as { protected: { cwtClaims: { iss: string } } };
    expect(countersign(['trust', 'add-issuer', '--policy', policy, '--iss', inspect.protected.cwtClaims.iss, '--key', pub]).status).toBe(0);
    const verdict = verifyJson([artifact, '--statement', join(dir, alg, 'app.tar.gz.cose'), '--trust', policy, '--allow-unlogged']);
    expect(verdict.status).toBe(0);
    expect(verdict.checks['statement-signature']?.reason).toContain(alg);
  });

  it('digest prints sha256sum-style lines in order, for any hash', () => {
    const other = join(dir, 'other.bin');
    writeFileSync(other, 'abc');
    const run = countersign(['digest', artifact, other]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${sha256(artifact)}  ${artifact}\n${sha256(other)}  ${other}\n`);
    const sha512 = countersign(['digest', '--hash', 'sha512', other]);
    expect(sha512.stdout.split(' ')[0]).toBe(createHash('sha512').update('abc').digest('hex'));
    expectOneLineError(countersign(['digest', join(dir, 'missing.bin')]), 2, /no such file: .*missing\.bin/);
    expectOneLineError(countersign(['digest', '--hash', 'md5', other]), 2, /unknown hash algorithm "md5"/);
  });

  describe('sign and verify with an x5chain and a did:x509 issuer', () => {
    const key = join(dir, 'k.pem');
    const policy = join(dir, 'trust.json');
    const statement = `${artifact}.cose`;
    let issuer = '';

    beforeAll(() => {
      const signed = countersign(['sign', artifact, '--key', key, '--x5chain', join(dir, 'k.crt.pem'), '--json']);
      expect(signed.status).toBe(0);
      issuer = (JSON.parse(signed.stdout) as Array<{ issuer: string }>)[0]!.issuer;
      expect(issuer).toMatch(/^did:x509:0:sha256:[A-Za-z0-9_-]{43}::subject:CN:Release%20Signing$/);
      expect(countersign(['trust', 'init', '--out', policy]).status).toBe(0);
      expect(countersign(['trust', 'add-issuer', '--policy', policy, '--iss', issuer, '--subject', 'app.*']).status).toBe(0);
    });

    it('verifies the artifact and reports every check', () => {
      const run = countersign(['verify', artifact, '--statement', statement, '--trust', policy, '--allow-unlogged']);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^verified: /);
      for (const name of ['statement-format', 'artifact-digest', 'issuer', 'subject', 'key-validity', 'statement-signature']) {
        expect(run.stdout).toMatch(new RegExp(`ok\\s+${name}`));
      }
      expect(run.stdout).toMatch(/skip\s+receipts/);
    });

    it('accepts the digest instead of the file', () => {
      expect(countersign(['verify', '--digest', `sha256:${sha256(artifact)}`, '--statement', statement, '--trust', policy, '--allow-unlogged']).status).toBe(0);
      const wrong = verifyJson(['--digest', `sha256:${'00'.repeat(32)}`, '--statement', statement, '--trust', policy, '--allow-unlogged']);
      expect(wrong.status).toBe(1);
      expectOneLineError(countersign(['verify', '--digest', 'sha256:xyz', '--statement', statement, '--trust', policy]), 2, /--digest/);
    });

    it('requires a receipt unless --allow-unlogged', () => {
      const verdict = verifyJson([artifact, '--statement', statement, '--trust', policy]);
      expect(verdict.status).toBe(1);
      expect(verdict.checks.receipts?.outcome).toBe('fail');
    });

    it('fails when one byte of the artifact changes', () => {
      const tampered = join(dir, 'tampered.tar.gz');
      const bytes = readFileSync(artifact);
      bytes[150_000] = (bytes[150_000] as number) ^ 0x01;
      writeFileSync(tampered, bytes);
      const verdict = verifyJson([tampered, '--statement', statement, '--trust', policy, '--allow-unlogged']);
      expect(verdict.status).toBe(1);
      expect(verdict.checks['artifact-digest']?.outcome).toBe('fail');
      expect(verdict.checks['statement-signature']?.outcome).toBe('pass');
    });

    it('fails a truncated statement with exit 1 in verify and exit 2 in inspect', () => {
      const truncated = join(dir, 'truncated.cose');
      writeFileSync(truncated, readFileSync(statement).subarray(0, 100));
      const verdict = verifyJson([artifact, '--statement', truncated, '--trust', policy, '--allow-unlogged']);
      expect(verdict.status).toBe(1);
      expect(verdict.checks['statement-format']?.reason).toMatch(/remain/);
      expectOneLineError(countersign(['inspect', truncated]), 2, /only \d+ byte\(s\) remain/);
    });

    it('refuses subjects the issuer may not sign for, and issuers the policy does not list', () => {
      const other = join(dir, 'other.tar.gz');
      writeFileSync(other, 'other');
      expect(countersign(['sign', other, '--key', key, '--x5chain', join(dir, 'k.crt.pem'), '--subject', 'lib.tgz']).status).toBe(0);
      const verdict = verifyJson([other, '--statement', `${other}.cose`, '--trust', policy, '--allow-unlogged']);
      expect(verdict.status).toBe(1);
      expect(verdict.checks.subject?.outcome).toBe('fail');
      const empty = join(dir, 'empty-trust.json');
      countersign(['trust', 'init', '--out', empty]);
      const untrusted = verifyJson([artifact, '--statement', statement, '--trust', empty, '--allow-unlogged']);
      expect(untrusted.checks.issuer?.outcome).toBe('fail');
    });

    it('inspect names the headers', () => {
      const run = countersign(['inspect', statement]);
      expect(run.status).toBe(0);
      for (const name of ['alg: ES256 (-7)', 'payloadHashAlg: sha256 (-16)', 'payloadPreimageContentType: application/gzip', 'x5chain', `iss: ${issuer}`, 'sub: app.tar.gz', 'CN=Release Signing']) {
        expect(run.stdout).toContain(name);
      }
    });
  });

  it('fails a statement with an unknown critical header (exit 1)', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = LocalSigner.from(pair.privateKey);
    const digest = createHash('sha256').update(readFileSync(artifact)).digest();
    const header = new Map<never, never>([
      [HeaderLabel.crit as never, [77] as never],
      [77 as never, 1 as never],
      [HeaderLabel.cwtClaims as never, new Map<number, string>([[1, 'critical-issuer'], [2, 'app.tar.gz']]) as never],
      [HeaderLabel.payloadHashAlg as never, SHA256.coseId as never],
      [HeaderLabel.kid as never, signer.keyId as never],
    ]);
    const message = await signSign1({ protectedHeader: header, payload: new Uint8Array(digest) }, signer);
    const path = join(dir, 'crit.cose');
    writeFileSync(path, message.encoded);
    const pub = join(dir, 'crit.pub.pem');
    writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
    const policy = join(dir, 'crit-trust.json');
    countersign(['trust', 'init', '--out', policy]);
    countersign(['trust', 'add-issuer', '--policy', policy, '--iss', 'critical-issuer', '--key', pub]);
    const verdict = verifyJson([artifact, '--statement', path, '--trust', policy, '--allow-unlogged']);
    expect(verdict.status).toBe(1);
    expect(verdict.checks['statement-format']?.reason).toMatch(/critical header 77 is not understood/);
  });

  it('answers unreadable keys, wrong key types and missing files with exit 2 and one line', () => {
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a key');
    expectOneLineError(countersign(['sign', artifact, '--key', garbage]), 2, /not a readable private key/);
    expectOneLineError(countersign(['sign', artifact, '--key', join(dir, 'k.pub.pem')]), 2, /public key or certificate/);
    expectOneLineError(countersign(['sign', artifact, '--key', join(dir, 'k.pem'), '--alg', 'ES384']), 2, /EC P-256 key cannot sign ES384/);
    expectOneLineError(countersign(['sign', artifact, '--key', join(dir, 'k.pem'), '--alg', 'RS256']), 2, /unsupported signature algorithm "RS256"/);
    expectOneLineError(countersign(['sign', artifact, '--key', join(dir, 'nope.pem')]), 2, /key not found/);
    expectOneLineError(countersign(['sign', join(dir, 'nope.bin'), '--key', join(dir, 'k.pem')]), 2, /no such file: .*nope\.bin/);
    expectOneLineError(countersign(['verify', artifact, '--statement', join(dir, 'nope.cose'), '--trust', join(dir, 'trust.json')]), 2, /statement not found/);
    expectOneLineError(countersign(['verify', artifact, '--statement', `${artifact}.cose`, '--trust', garbage]), 2, /trust policy: not valid JSON/);
    expectOneLineError(countersign(['sign', artifact, '--key', join(dir, 'key-ES384.pem'), '--x5chain', join(dir, 'k.crt.pem')]), 2, /not for the signing key/);
  });

  it('signs several files into one directory and trusts a key given as a JWK', () => {
    const second = join(dir, 'lib.tgz');
    writeFileSync(second, 'library');
    const out = join(dir, 'statements');
    const run = countersign(['sign', artifact, second, '--key', join(dir, 'k.pem'), '--issuer', 'build-bot', '--out', out, '--location', 'https://example.test/dl']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([join(out, 'app.tar.gz.cose'), join(out, 'lib.tgz.cose')]);
    const jwk = join(dir, 'k.jwk.json');
    writeFileSync(jwk, JSON.stringify(createPublicKey(readFileSync(join(dir, 'k.pub.pem'))).export({ format: 'jwk' })));
    const policy = join(dir, 'jwk-trust.json');
    countersign(['trust', 'init', '--out', policy]);
    const added = countersign(['trust', 'add-issuer', '--policy', policy, '--iss', 'build-bot', '--key', jwk, '--subject', '*.tgz', '--subject', '*.tar.gz', '--json']);
    expect(added.status).toBe(0);
    expect((JSON.parse(added.stdout) as { keys: unknown[] }).keys).toHaveLength(1);
    for (const [file, name] of [[artifact, 'app.tar.gz.cose'], [second, 'lib.tgz.cose']] as const) {
      expect(countersign(['verify', file, '--statement', join(out, name), '--trust', policy, '--allow-unlogged']).status).toBe(0);
    }
    const inspect = countersign(['inspect', join(out, 'lib.tgz.cose')]);
    expect(inspect.stdout).toContain('payloadLocation: https://example.test/dl');
    expect(inspect.stdout).toContain('unprotected: (empty)');
    expectOneLineError(countersign(['trust', 'add-issuer', '--policy', policy, '--iss', 'someone-else']), 2, /not a did:x509, so it needs --key/);
  });

  it('release runs the main job on embedded defaults, creating .countersign/ once', () => {
    const work = join(dir, 'release');
    mkdirSync(work);
    writeFileSync(join(work, 'tool.zip'), 'release me');
    const first = countersign(['release', 'tool.zip'], { cwd: work });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^released\s+tool\.zip/);
    expect(first.stdout).toContain('did:x509:0:sha256:');
    expect(first.stderr).toContain('created .countersign/');
    expect(statSync(join(work, '.countersign/key.pem')).mode & 0o777).toBe(0o600);
    const second = countersign(['release', 'tool.zip', '--json'], { cwd: work });
    expect(second.status).toBe(0);
    const result = JSON.parse(second.stdout) as { createdSetup: boolean; verdict: { verified: boolean } };
    expect(result.createdSetup).toBe(false);
    expect(result.verdict.verified).toBe(true);
    const policy = join(work, '.countersign/trust.json');
    expect(countersign(['verify', 'tool.zip', '--statement', 'tool.zip.cose', '--trust', policy, '--allow-unlogged'], { cwd: work }).status).toBe(0);
  });
});
