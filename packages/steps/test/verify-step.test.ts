import { readFileSync, writeFileSync } from 'node:fs';
import { addIssuer, addService, emptyPolicy, SHA256 } from '@countersign/core';
import type { TransparencyLedger } from '@countersign/ledger';
import { RecordingHost } from '../src/host.js';
import { writePolicyFile } from '../src/io/policy-file.js';
import { logStatements } from '../src/steps/log.js';
import { signArtifacts } from '../src/steps/sign.js';
import { verificationFailure } from '../src/steps/verify.js';
import { verifyStep } from '../src/steps/verify-step.js';
import { certifiedSigner, failureOf, openLedger, scratch } from './fixtures.js';

const { at, cleanup } = scratch('verify');
const { signer, chain, issuer } = certifiedSigner();
const policyPath = at('trust.json');
let ledger: TransparencyLedger;
const files = [at('app.tgz'), at('lib.tgz')];

beforeAll(async () => {
  ledger = await openLedger(at('ledger'));
  const keys = await ledger.serviceKeys();
  await writePolicyFile(policyPath, addService(addIssuer(emptyPolicy(), { iss: issuer }), { iss: keys.issuer, jwks: keys.jwks }));
  for (const file of files) writeFileSync(file, `bytes of ${file}`);
  const signed = await signArtifacts({ files, signer, hashAlgorithm: SHA256, x5chain: chain }, new RecordingHost());
  await logStatements({ statements: signed.map((item) => item.statementPath), service: ledger }, new RecordingHost());
});
afterAll(async () => {
  await ledger.close();
  cleanup();
});

describe('the verify step', () => {
  it('sets exactly verified, and adds one summary with a table per artifact', async () => {
    const host = new RecordingHost();
    const outcome = await verifyStep({ artifacts: files, trustPolicy: policyPath }, host);
    expect(outcome.verified).toBe(true);
    expect(host.outputs).toEqual({ verified: 'true' });
    expect(host.summaries).toHaveLength(1);
    expect(host.summaries[0]).toContain('## countersign: 2 of 2 artifact(s) verified');
    expect(host.summaries[0]?.match(/\| check \| outcome \| reason \|/g)).toHaveLength(2);
    expect(host.messages.filter((entry) => entry.level === 'error' || entry.level === 'warn')).toEqual([]);
    expect(verificationFailure(outcome.results)).toBeUndefined();
  });

  it('writes every verdict as JSON to the report path and sets report-path', async () => {
    const host = new RecordingHost();
    const reportPath = at('reports/verdicts.json');
    await verifyStep({ artifacts: files, trustPolicy: policyPath, reportPath }, host);
    expect(host.outputs).toEqual({ verified: 'true', 'report-path': reportPath });
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Array<{ artifact: string; verified: boolean; checks: unknown[] }>;
    expect(report.map((entry) => [entry.artifact, entry.verified])).toEqual([[files[0], true], [files[1], true]]);
    expect(report[0]?.checks.length).toBeGreaterThan(0);
  });

  it('finds each artifact beside its statement from a statement glob', async () => {
    const outcome = await verifyStep({ statementGlobs: [at('*.tgz.cose')], trustPolicy: policyPath }, new RecordingHost());
    expect(outcome.pairs.map((pair) => pair.statementPath)).toEqual([`${files[0]}.cose`, `${files[1]}.cose`]);
    expect(outcome.verified).toBe(true);
  });

  it('on a tampered artifact: verified false, an error annotation naming the artifact and the failed check, and STEP_VERIFICATION_FAILED for the run', async () => {
    const tampered = at('tampered.tgz');
    writeFileSync(tampered, 'other bytes');
    const host = new RecordingHost();
    const outcome = await verifyStep({ artifacts: [tampered], statement: `${files[0]}.cose`, trustPolicy: policyPath }, host);
    expect(host.outputs).toEqual({ verified: 'false' });
    expect(host.messages.filter((entry) => entry.level === 'error')).toEqual([expect.objectContaining({ at: { file: tampered, check: 'artifact-digest' } })]);
    expect(host.summaries[0]).toContain('0 of 1 artifact(s) verified');
    expect(verificationFailure(outcome.results)).toMatchObject({ area: 'step', code: 'STEP_VERIFICATION_FAILED' });
  });

  it('applies the input rules itself, naming the input at fault', async () => {
    const rules = (request: Omit<Parameters<typeof verifyStep>[0], 'trustPolicy'>) => failureOf(verifyStep({ trustPolicy: policyPath, ...request }, new RecordingHost()));
    expect(await rules({})).toEqual({ area: 'step', code: 'STEP_USAGE', input: 'files' });
    expect(await rules({ artifacts: files, statement: `${files[0]}.cose` })).toEqual({ area: 'step', code: 'STEP_USAGE', input: 'statement' });
    expect(await rules({ statementGlobs: [at('*.cose')], artifacts: files })).toEqual({ area: 'step', code: 'STEP_USAGE', input: 'statementGlobs' });
    expect(await rules({ digest: 'sha256:00', artifacts: files })).toEqual({ area: 'step', code: 'STEP_USAGE', input: 'digest' });
    expect(await rules({ digest: 'sha256:00' })).toEqual({ area: 'step', code: 'STEP_USAGE', input: 'statement' });
    expect(await rules({ artifacts: files, updateLockfile: true })).toEqual({ area: 'step', code: 'STEP_USAGE', input: 'lockfile' });
    expect(await rules({ statementGlobs: [at('nothing-*.cose')] })).toEqual({ area: 'step', code: 'STEP_INPUT_NOT_FOUND' });
    expect(await failureOf(verifyStep({ artifacts: files, trustPolicy: at('absent.json') }, new RecordingHost()))).toEqual({ area: 'step', code: 'STEP_INPUT_NOT_FOUND' });
  });
});
