import { join } from 'node:path';
import { SHA256, addIssuer, addService, deriveDidX509, embedReceipts, emptyPolicy, readReceiptSummary, type TransparencyService, type Verdict } from '@countersign/core';
import { TransparencyLedger } from '@countersign/ledger';
import type { Host } from '../host.js';
import { exists, readInput, writeOutput } from '../io/files.js';
import { readPolicyFile, writePolicyFile } from '../io/policy-file.js';
import { defaultLedgerIssuer, defaultServiceKeyPath, serviceKeyAt } from '../io/service-key.js';
import { localSignerFromFile, readCertificateChain } from '../io/signer-from-file.js';
import { companionPaths, writeNewKey } from '../keys/generate.js';
import { ScrapiClient } from '../transparency/scrapi-client.js';
import { signArtifacts } from './sign.js';
import { verifyArtifact } from './verify.js';

export interface ReleaseInput {
  file: string;
  /** The embedded defaults' home: a dev key, its certificate, a trust policy and the embedded ledger. */
  dir: string;
  /** A SCRAPI service to register with instead of the embedded ledger. */
  serviceUrl?: string;
  /** The client for serviceUrl when the caller built it (service identity, token, api-version). */
  serviceClient?: ScrapiClient;
  now?: Date;
}

export interface ReleaseResult {
  file: string;
  statementPath: string;
  digest: string;
  issuer: string;
  subject: string;
  createdSetup: boolean;
  service: string;
  entryId: string;
  receipt: { issuer?: string; issuedAt?: number; kid?: string };
  verdict: Verdict;
}

const DEV_CERTIFICATE_NAME = 'countersign dev key';

interface DevSetup {
  keyPath: string;
  chainPath: string;
  policyPath: string;
  created: boolean;
}

/** Creates the embedded defaults on first use: an ES256 key with a certificate, and a policy trusting its did:x509. */
async function ensureDevSetup(dir: string, host: Host): Promise<DevSetup> {
  const keyPath = join(dir, 'key.pem');
  const chainPath = companionPaths(keyPath).certificate;
  const policyPath = join(dir, 'trust.json');
  if (await exists(keyPath)) return { keyPath, chainPath, policyPath, created: false };
  await writeNewKey({ out: keyPath, algorithm: 'ES256', certificateCommonName: DEV_CERTIFICATE_NAME });
  const issuer = deriveDidX509(await readCertificateChain(chainPath));
  await writePolicyFile(policyPath, addIssuer(emptyPolicy(), { iss: issuer }));
  await writeOutput(join(dir, '.gitignore'), '# a development key: never commit it\n*\n');
  host.info(`created ${dir}/ with a development key (ES256), a certificate for it from a throwaway CA, and a trust policy for ${issuer}`);
  return { keyPath, chainPath, policyPath, created: true };
}

/** Opens the transparency service for this release: the embedded ledger in DIR/ledger, or a SCRAPI service. */
async function openService(input: ReleaseInput): Promise<{ service: TransparencyService; close: () => Promise<void> }> {
  if (input.serviceClient) return { service: input.serviceClient, close: async () => input.serviceClient?.close() };
  if (input.serviceUrl) return { service: new ScrapiClient({ url: input.serviceUrl, timeoutMs: 120_000 }), close: async () => undefined };
  const ledgerDir = join(input.dir, 'ledger');
  const { signer } = await serviceKeyAt(defaultServiceKeyPath(ledgerDir));
  const ledger = await TransparencyLedger.open({ dir: ledgerDir, serviceKey: signer, issuer: defaultLedgerIssuer(signer), clock: input.now ? () => input.now as Date : undefined });
  return { service: ledger, close: () => ledger.close() };
}

/** The dev policy trusts the service it registers with; a service met for the first time is pinned now and said so. */
async function trustService(policyPath: string, service: TransparencyService, host: Host): Promise<void> {
  const policy = await readPolicyFile(policyPath);
  const keys = await service.serviceKeys();
  const known = policy.services.find((candidate) => candidate.iss === keys.issuer);
  if (known && JSON.stringify(known.jwks) === JSON.stringify(keys.jwks)) return;
  await writePolicyFile(policyPath, addService(policy, { iss: keys.issuer, jwks: keys.jwks, jwksUri: keys.jwksUri }));
  host.info(`trusting receipts from ${keys.issuer} (${service.name}) in ${policyPath}`);
}

/** The main job on embedded defaults: sign the artifact, register it, keep the receipt, and verify it as a release gate would. */
export async function releaseArtifact(input: ReleaseInput, host: Host): Promise<ReleaseResult> {
  const setup = await ensureDevSetup(input.dir, host);
  const signer = await localSignerFromFile(setup.keyPath);
  const x5chain = await readCertificateChain(setup.chainPath);
  const [signed] = await signArtifacts({ files: [input.file], signer, hashAlgorithm: SHA256, x5chain, now: input.now }, host);
  const { statementPath } = signed!;
  const statement = await readInput(statementPath, 'statement');
  const { service, close } = await openService(input);
  let entryId: string;
  let receipt: Uint8Array;
  try {
    await trustService(setup.policyPath, service, host);
    ({ entryId, receipt } = await service.register(statement));
  } finally {
    await close();
  }
  await writeOutput(statementPath, embedReceipts(statement, [receipt]));
  host.info(`logged ${statementPath} as entry ${entryId} in ${service.name}`);
  const { verdict } = await verifyArtifact({ statementPath, artifact: { file: input.file }, policy: await readPolicyFile(setup.policyPath), now: input.now }, host);
  const summary = readReceiptSummary(receipt);
  return {
    file: input.file,
    statementPath,
    digest: signed!.digest,
    issuer: signed!.issuer,
    subject: signed!.subject,
    createdSetup: setup.created,
    service: service.name,
    entryId,
    receipt: { issuer: summary.issuer, issuedAt: summary.issuedAt, kid: summary.kid },
    verdict,
  };
}
