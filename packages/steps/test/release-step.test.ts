import { readFileSync, writeFileSync } from 'node:fs';
import { addIssuer, emptyPolicy, parsePolicy, receiptsOf } from '@countersign/core';
import type { TransparencyLedger } from '@countersign/ledger';
import { RecordingHost } from '../src/host.js';
import { writePolicyFile } from '../src/io/policy-file.js';
import { releaseArtifact } from '../src/steps/release.js';
import { certifiedSigner, openerOf, openLedger, scratch } from './fixtures.js';

const { at, cleanup } = scratch('release');
let ledger: TransparencyLedger;
beforeAll(async () => {
  ledger = await openLedger(at('ledger'));
});
afterAll(async () => {
  await ledger.close();
  cleanup();
});

describe('the release step', () => {
  it('signs, logs and verifies in three groups, pins the service it meets, and sets the outputs of the steps it runs', async () => {
    const { signer, chain, issuer } = certifiedSigner();
    const policyPath = at('trust.json');
    await writePolicyFile(policyPath, addIssuer(emptyPolicy(), { iss: issuer }));
    const file = at('app.tgz');
    writeFileSync(file, 'release me');
    const host = new RecordingHost();
    const registrants: Array<{ issuer: string } | undefined> = [];

    const result = await releaseArtifact({ file, signer, x5chain: chain, policyPath, openService: openerOf(ledger, registrants) }, host);

    expect(result.verdict.verified).toBe(true);
    expect(result).toMatchObject({ file, statementPath: `${file}.cose`, issuer, subject: 'app.tgz', service: ledger.name });
    expect(host.groups).toEqual(['sign', 'log', 'verify']);
    expect(Object.keys(host.outputs).sort()).toEqual(['digests', 'entry-ids', 'statement-paths', 'verified']);
    expect(host.outputs).toMatchObject({ 'statement-paths': `${file}.cose`, 'entry-ids': result.entryId, verified: 'true', digests: result.digest });
    expect(receiptsOf(readFileSync(`${file}.cose`))).toHaveLength(1);
    expect(parsePolicy(readFileSync(policyPath, 'utf8')).services.map((service) => service.iss)).toEqual([(await ledger.serviceKeys()).issuer]);
    expect(host.summaries).toHaveLength(1);
    // The step opened the service once, without asking it to admit anyone in particular.
    expect(registrants).toEqual([undefined]);
  });
});
