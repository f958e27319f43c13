import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createSignedStatement, digestBytes, receiptsOf, SHA256 } from '@countersign/core';
import { createLedgerServer, type TransparencyLedger } from '@countersign/ledger';
import { RecordingHost } from '../src/host.js';
import { logStatements, registrationFailure } from '../src/steps/log.js';
import { ScrapiClient } from '../src/transparency/scrapi-client.js';
import { certifiedSigner, openLedger, scratch } from './fixtures.js';

const { at, cleanup } = scratch('log');
const { signer, chain, issuer } = certifiedSigner();
let ledger: TransparencyLedger;
beforeAll(async () => {
  ledger = await openLedger(at('ledger'));
});
afterAll(async () => {
  await ledger.close();
  cleanup();
});

async function statementFile(name: string): Promise<string> {
  const bytes = await createSignedStatement({ hashAlgorithm: SHA256, digest: digestBytes(SHA256, Buffer.from(name)), issuer, subject: name, x5chain: chain }, signer);
  writeFileSync(at(name), bytes);
  return at(name);
}

describe('the log step', () => {
  it('against the embedded ledger in process: sets exactly entry-ids and transparent-statement-paths, and writes each receipt', async () => {
    const statements = [await statementFile('one.cose'), await statementFile('two.cose')];
    const host = new RecordingHost();
    const results = await logStatements({ statements, service: ledger, outDir: at('logged') }, host);
    expect(Object.keys(host.outputs).sort()).toEqual(['entry-ids', 'transparent-statement-paths']);
    expect(host.outputs['entry-ids']?.split('\n')).toEqual(results.map((result) => (result.ok ? result.entryId : 'refused')));
    expect(host.outputs['transparent-statement-paths']).toBe([at('logged/one.cose'), at('logged/two.cose')].join('\n'));
    for (const path of host.outputs['transparent-statement-paths']!.split('\n')) expect(receiptsOf(readFileSync(path))).toHaveLength(1);
    expect(registrationFailure(results)).toBeUndefined();
  });

  it('over HTTP through the SCRAPI client, the same', async () => {
    const server = createLedgerServer({ ledger, registration: 'redirect', maxBodyBytes: 1024 * 1024, retryAfterSeconds: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new ScrapiClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 10_000, pollIntervalMs: 10 });
    try {
      const host = new RecordingHost();
      const [result] = await logStatements({ statements: [await statementFile('http.cose')], service: client, outDir: at('over-http') }, host);
      expect(result).toMatchObject({ ok: true, output: at('over-http/http.cose') });
      expect(Object.keys(host.outputs).sort()).toEqual(['entry-ids', 'transparent-statement-paths']);
      expect(receiptsOf(readFileSync(at('over-http/http.cose')))).toHaveLength(1);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses before sending what the registration policy refuses: an error annotation on the file, a result with its code, STEP_REGISTRATION_FAILED for the run', async () => {
    const good = await statementFile('good.cose');
    // Signed by another key than the x5chain's leaf: the signature does not verify.
    const forged = at('bad-signature.cose');
    writeFileSync(forged, await createSignedStatement({ hashAlgorithm: SHA256, digest: digestBytes(SHA256, Buffer.from('x')), issuer, subject: 'x', x5chain: chain }, certifiedSigner().signer));
    const host = new RecordingHost();
    const results = await logStatements({ statements: [good, forged], service: ledger, outDir: at('mixed') }, host);
    expect(results.map((result) => (result.ok ? 'ok' : result.code))).toEqual(['ok', 'REGISTRATION_BAD_SIGNATURE']);
    expect(host.messages.filter((entry) => entry.level === 'error')).toEqual([expect.objectContaining({ at: { file: forged } })]);
    expect(host.outputs['entry-ids']?.split('\n')[1]).toBe('');
    expect(registrationFailure(results)).toMatchObject({ area: 'step', code: 'STEP_REGISTRATION_FAILED' });
  });

  it('uploads the transparent statements when asked, and goes on when the host has nowhere to put them', async () => {
    const statement = await statementFile('upload.cose');
    const storing = new RecordingHost();
    await logStatements({ statements: [statement], service: ledger, outDir: at('up'), uploadArtifact: 'receipts' }, storing);
    expect(storing.uploads).toEqual([{ name: 'receipts', files: [at('up/upload.cose')] }]);
    const storeless = new RecordingHost('no artifact store here');
    const [result] = await logStatements({ statements: [statement], service: ledger, outDir: at('up-none'), uploadArtifact: 'receipts' }, storeless);
    expect(result?.ok).toBe(true);
    expect(storeless.uploads).toEqual([]);
    expect(storeless.at('info')).toContain('not uploading receipts: no artifact store here');
  });
});
