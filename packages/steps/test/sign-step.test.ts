import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalSigner, parseSignedStatement, SHA256 } from '@countersign/core';
import { RecordingHost } from '../src/host.js';
import { signArtifacts } from '../src/steps/sign.js';
import { certifiedSigner, failureOf, scratch } from './fixtures.js';

const { dir, at, cleanup } = scratch('sign');
afterAll(cleanup);

const signer = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
const artifact = (name: string, text = name): string => {
  writeFileSync(at(name), text);
  return at(name);
};

describe('the sign step', () => {
  it('sets exactly statement-paths and digests, one line per file in input order', async () => {
    const files = [artifact('b.tgz'), artifact('a.tgz')];
    const host = new RecordingHost();
    const signed = await signArtifacts({ files, signer, hashAlgorithm: SHA256, outDir: at('out') }, host);
    expect(Object.keys(host.outputs).sort()).toEqual(['digests', 'statement-paths']);
    expect(host.outputs['statement-paths']).toBe([join(dir, 'out', 'b.tgz.cose'), join(dir, 'out', 'a.tgz.cose')].join('\n'));
    expect(host.outputs.digests).toBe(signed.map((item) => item.digest).join('\n'));
    expect(host.outputs.digests?.split('\n').every((line) => /^sha-?256:[0-9a-f]{64}$/.test(line))).toBe(true);
    expect(parseSignedStatement(readFileSync(join(dir, 'out', 'b.tgz.cose'))).claims.sub).toBe('b.tgz');
  });

  it('adds key-version when the signer is a vault key version', async () => {
    const host = new RecordingHost();
    await signArtifacts({ files: [artifact('c.tgz')], signer, hashAlgorithm: SHA256, keyVersionUrl: 'https://vault.example/keys/release/1' }, host);
    expect(Object.keys(host.outputs).sort()).toEqual(['digests', 'key-version', 'statement-paths']);
    expect(host.outputs['key-version']).toBe('https://vault.example/keys/release/1');
  });

  it('warns with an annotation on a file named twice and signs it once', async () => {
    const file = artifact('twice.tgz');
    const host = new RecordingHost();
    expect(await signArtifacts({ files: [file, file], signer, hashAlgorithm: SHA256 }, host)).toHaveLength(1);
    expect(host.messages.filter((entry) => entry.level === 'warn')).toEqual([expect.objectContaining({ at: { file } })]);
  });

  it('refuses, with a code and the input at fault, what it cannot sign', async () => {
    mkdirSync(at('x'));
    mkdirSync(at('y'));
    const collide = [artifact(join('x', 'same.tgz')), artifact(join('y', 'same.tgz'))];
    expect(await failureOf(signArtifacts({ files: collide, signer, hashAlgorithm: SHA256, outDir: at('one') }, new RecordingHost()))).toEqual({ area: 'step', code: 'STEP_USAGE', input: 'outputDir' });
    expect(await failureOf(signArtifacts({ files: [at('absent.tgz')], signer, hashAlgorithm: SHA256 }, new RecordingHost()))).toEqual({ area: 'step', code: 'STEP_INPUT_NOT_FOUND' });
    const other = certifiedSigner();
    expect(await failureOf(signArtifacts({ files: [artifact('d.tgz')], signer, hashAlgorithm: SHA256, x5chain: other.chain }, new RecordingHost()))).toEqual({ area: 'step', code: 'STEP_INPUT_UNREADABLE', input: 'x5chain' });
  });
});
