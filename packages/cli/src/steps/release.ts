import { join } from 'node:path';
import { SHA256, addIssuer, deriveDidX509, emptyPolicy, type Verdict } from '@countersign/core';
import type { Host } from '../host.js';
import { exists, writeOutput } from '../io/files.js';
import { readPolicyFile, writePolicyFile } from '../io/policy-file.js';
import { localSignerFromFile, readCertificateChain } from '../io/signer-from-file.js';
import { companionPaths, writeNewKey } from '../keys/generate.js';
import { signArtifacts } from './sign.js';
import { verifyArtifact } from './verify.js';

export interface ReleaseInput {
  file: string;
  /** The embedded defaults' home: a dev key, its certificate and a trust policy. */
  dir: string;
  now?: Date;
}

export interface ReleaseResult {
  file: string;
  statementPath: string;
  digest: string;
  issuer: string;
  subject: string;
  createdSetup: boolean;
  verdict: Verdict;
}

const DEV_CERTIFICATE_NAME = 'countersign dev key';

/** Creates the embedded defaults on first use: an ES256 key with a self-signed certificate, and a policy trusting its did:x509. */
async function ensureDevSetup(dir: string, host: Host): Promise<{ keyPath: string; chainPath: string; policyPath: string; created: boolean }> {
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

/** The main job on embedded defaults: sign the artifact, then verify it as a release gate would. */
export async function releaseArtifact(input: ReleaseInput, host: Host): Promise<ReleaseResult> {
  const setup = await ensureDevSetup(input.dir, host);
  const signer = await localSignerFromFile(setup.keyPath);
  const x5chain = await readCertificateChain(setup.chainPath);
  const [signed] = await signArtifacts({ files: [input.file], signer, hashAlgorithm: SHA256, x5chain, now: input.now }, host);
  const { verdict } = await verifyArtifact(
    { statementPath: signed!.statementPath, artifact: { file: input.file }, policy: await readPolicyFile(setup.policyPath), allowUnlogged: true, now: input.now },
    host,
  );
  return { file: input.file, statementPath: signed!.statementPath, digest: signed!.digest, issuer: signed!.issuer, subject: signed!.subject, createdSetup: setup.created, verdict };
}
