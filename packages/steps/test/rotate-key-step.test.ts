import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EmulatorCredential, KeyVaultSigner, KeyVersions, parseKeySpec, startKeyVaultEmulator, type RunningKeyVaultEmulator, type VaultConnection } from '@countersign/azure';
import { addIssuer, emptyPolicy, keyIdOf, LocalSigner, parsePolicy, receiptsOf } from '@countersign/core';
import { TransparencyLedger } from '@countersign/ledger';
import { RecordingHost } from '../src/host.js';
import { writePolicyFile } from '../src/io/policy-file.js';
import type { ServiceOpener } from '../src/service-session.js';
import { rotateKey } from '../src/steps/rotate-key.js';
import { failureOf, scratch } from './fixtures.js';

const { at, cleanup } = scratch('rotate');
let emulator: RunningKeyVaultEmulator;
let connection: VaultConnection;
beforeAll(async () => {
  emulator = await startKeyVaultEmulator({ keys: [parseKeySpec('release:EC:P-256'), parseKeySpec('other:EC:P-256')], retryAfterSeconds: 0 });
  connection = { credential: new EmulatorCredential(), emulatorCaPem: emulator.caPem };
});
afterAll(async () => {
  await emulator.close();
  cleanup();
});

const serviceKey = LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

/** An embedded ledger in `dir` per registration, admitting the registrant the step names, or only `onlyIssuer`. */
function ledgerIn(dir: string, onlyIssuer?: string): ServiceOpener {
  return async (registrant) => {
    const trust = registrant ? addIssuer(emptyPolicy(), { iss: onlyIssuer ?? registrant.issuer, key: registrant.publicKey }) : undefined;
    const ledger = await TransparencyLedger.open({ dir, serviceKey, issuer: 'rotation-ledger', trust, maxBatchDelayMs: 0 });
    return { service: ledger, close: () => ledger.close() };
  };
}

function inputsFor(key: string) {
  return {
    keyVersions: KeyVersions.open({ ...connection, keyUrl: `${emulator.url}/keys/${key}` }),
    signerFor: (version: { versionUrl: string }) => KeyVaultSigner.open({ ...connection, keyUrl: version.versionUrl }),
  };
}

describe('the rotate-key step', () => {
  it('makes a new version, logs the rotation, moves the policy windows to its registration time, and sets exactly its five outputs', async () => {
    const { keyVersions, signerFor } = inputsFor('release');
    const previous = await keyVersions.read();
    const policyPath = at('trust.json');
    await writePolicyFile(policyPath, addIssuer(emptyPolicy(), { iss: 'release-bot', key: previous.publicKey }));
    const host = new RecordingHost();

    const result = await rotateKey({ keyVersions, signerFor, policyPath, openService: ledgerIn(at('ledger')), outDir: at('out') }, host);

    expect(Object.keys(host.outputs).sort()).toEqual(['entry-id', 'new-key-version', 'previous-key-version', 'registered-at', 'statement-path']);
    expect(host.outputs).toEqual({
      'new-key-version': result.newKeyVersion,
      'previous-key-version': previous.versionUrl,
      'registered-at': result.registeredAt,
      'entry-id': result.entryId,
      'statement-path': result.statementPath,
    });
    expect((await keyVersions.read()).versionUrl).toBe(result.newKeyVersion);
    expect(receiptsOf(readFileSync(result.statementPath))).toHaveLength(1);
    const keys = parsePolicy(readFileSync(policyPath, 'utf8')).issuers.find((rule) => rule.iss === 'release-bot')?.keys ?? [];
    expect(keys.map((key) => [key.kid, key.notBefore ?? null, key.notAfter ?? null])).toEqual([
      [keyIdOf(previous.publicKey), null, result.registeredAt],
      [result.newKid, result.registeredAt, null],
    ]);
  });

  it('fails with STEP_ROTATION_INCOMPLETE, naming the version to resume from, when the service refuses the rotation after the new version was made', async () => {
    const { keyVersions, signerFor } = inputsFor('other');
    const previous = await keyVersions.read();
    const failure = rotateKey({ keyVersions, signerFor, issuer: 'other-bot', openService: ledgerIn(at('refusing-ledger'), 'someone-else'), outDir: at('refused') }, new RecordingHost());
    await expect(failure).rejects.toMatchObject({ area: 'step', code: 'STEP_ROTATION_INCOMPLETE', resumeKeyUrl: previous.versionUrl });
    expect((await keyVersions.read()).version).not.toBe(previous.version);
  });

  it('asks for the issuer by input when the policy does not say which one the key signs as', async () => {
    const { keyVersions, signerFor } = inputsFor('release');
    const policyPath = at('empty-trust.json');
    await writePolicyFile(policyPath, emptyPolicy());
    expect(await failureOf(rotateKey({ keyVersions, signerFor, policyPath, openService: ledgerIn(at('unused')) }, new RecordingHost()))).toEqual({ area: 'step', code: 'STEP_USAGE', input: 'issuer' });
  });
});
