import { SHA256, addService, embedReceipts, readReceiptSummary, type Signer, type TransparencyService, type Verdict } from '@countersign/core';
import type { Host } from '../host.js';
import { readInput, writeOutput } from '../io/files.js';
import { readPolicyFile, writePolicyFile } from '../io/policy-file.js';
import type { ServiceOpener } from '../service-session.js';
import { signArtifacts } from './sign.js';
import { verdictsMarkdown } from './summary.js';
import { verifyArtifact } from './verify.js';

export interface ReleaseInput {
  file: string;
  signer: Signer;
  /** Certificates for the protected header, leaf first; the issuer is then their did:x509. */
  x5chain?: Uint8Array[];
  /** The trust policy the release is verified under; a service met for the first time is pinned in it. */
  policyPath: string;
  /** The service to register with (the embedded ledger, or a SCRAPI client), opened once the statement is signed. */
  openService: ServiceOpener;
  now?: Date;
}

export interface ReleaseResult {
  file: string;
  statementPath: string;
  digest: string;
  issuer: string;
  subject: string;
  service: string;
  entryId: string;
  receipt: { issuer?: string; issuedAt?: number; kid?: string };
  verdict: Verdict;
}

/** The release's policy trusts the service it registers with; a service met for the first time is pinned now and said so. */
async function trustService(policyPath: string, service: TransparencyService, host: Host): Promise<void> {
  const policy = await readPolicyFile(policyPath);
  const keys = await service.serviceKeys();
  const known = policy.services.find((candidate) => candidate.iss === keys.issuer);
  if (known && JSON.stringify(known.jwks) === JSON.stringify(keys.jwks)) return;
  await writePolicyFile(policyPath, addService(policy, { iss: keys.issuer, jwks: keys.jwks, jwksUri: keys.jwksUri }));
  host.info(`trusting receipts from ${keys.issuer} (${service.name}) in ${policyPath}`);
}

/** The whole gate for one artifact: sign it, register it, keep the receipt, and verify it as a release gate would. */
export async function releaseArtifact(input: ReleaseInput, host: Host): Promise<ReleaseResult> {
  const [signed] = await host.group('sign', () => signArtifacts({ files: [input.file], signer: input.signer, hashAlgorithm: SHA256, x5chain: input.x5chain, now: input.now }, host));
  const { statementPath } = signed!;
  const { entryId, receipt, serviceName } = await host.group('log', async () => {
    const statement = await readInput(statementPath, 'statement');
    const { service, close } = await input.openService();
    let registration;
    try {
      await trustService(input.policyPath, service, host);
      registration = await service.register(statement);
    } finally {
      await close();
    }
    await writeOutput(statementPath, embedReceipts(statement, [registration.receipt]));
    host.info(`logged ${statementPath} as entry ${registration.entryId} in ${service.name}`);
    host.setOutput('entry-ids', registration.entryId);
    return { ...registration, serviceName: service.name };
  });
  const verified = await host.group('verify', async () => verifyArtifact({ statementPath, artifact: { file: input.file }, policy: await readPolicyFile(input.policyPath), now: input.now }, host));
  host.addSummary(verdictsMarkdown([verified]));
  const summary = readReceiptSummary(receipt);
  return {
    file: input.file,
    statementPath,
    digest: signed!.digest,
    issuer: signed!.issuer,
    subject: signed!.subject,
    service: serviceName,
    entryId,
    receipt: { issuer: summary.issuer, issuedAt: summary.issuedAt, kid: summary.kid },
    verdict: verified.verdict,
  };
}
