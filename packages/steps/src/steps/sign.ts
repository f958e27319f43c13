import { basename, dirname, join } from 'node:path';
import {
  createSignedStatement,
  deriveDidX509,
  keyIdOf,
  parseCertificate,
  type HashAlgorithm,
  type Signer,
} from '@countersign/core';
import { StepError } from '../errors.js';
import type { Host } from '../host.js';
import { guessContentType } from '../io/content-type.js';
import { digestFiles } from '../io/digest-files.js';
import { writeOutput } from '../io/files.js';
import { planOutputs } from '../io/output-plan.js';
import { BatchProgress } from './batch-progress.js';
import { mapBounded } from './bounded-pool.js';

/**
 * Statements signed at once. A remote signer spends its time waiting on the vault (at 50 ms a
 * signature, one at a time is 20 a second); 16 in flight keep that wait overlapped without asking
 * Key Vault for more than its per-vault limits absorb. A local key signs synchronously, so for it
 * this only overlaps the writes.
 */
export const DEFAULT_SIGN_CONCURRENCY = 16;

export interface SignStepInput {
  files: string[];
  signer: Signer;
  hashAlgorithm: HashAlgorithm;
  /** Defaults to the did:x509 of `x5chain` when given, else the signer's key id. */
  issuer?: string;
  /** Defaults to each file's name. */
  subject?: string;
  /** Certificates, leaf first, for the protected x5chain. */
  x5chain?: Uint8Array[];
  /** Where the leaf came from (a file, a Key Vault certificate), for the message when it is not the signing key's. */
  x5chainSource?: string;
  /** Statements signed at once; default {@link DEFAULT_SIGN_CONCURRENCY}. */
  concurrency?: number;
  /** Defaults to a guess from each file's extension. */
  contentType?: string;
  location?: string;
  /** Where statements go; beside each file when absent. */
  outDir?: string;
  /** The Key Vault key version the signer signs with, reported with each statement. */
  keyVersionUrl?: string;
  now?: Date;
}

export interface SignedArtifact {
  file: string;
  statementPath: string;
  algorithm: string;
  digest: string;
  issuer: string;
  subject: string;
  size: number;
  keyVersionUrl?: string;
}

/** The issuer a signer speaks as when none is given: the chain's did:x509, else its key id. */
export function defaultIssuer(signer: Signer, x5chain?: Uint8Array[]): string {
  if (x5chain && x5chain.length > 0) return deriveDidX509(x5chain);
  return Buffer.from(signer.keyId).toString('utf8');
}

/** A statement whose x5chain names another key than the one that signed it fails every verifier; refuse it before signing. */
async function checkChainMatchesSigner(signer: Signer, x5chain: Uint8Array[], source: string, keyName?: string): Promise<void> {
  if (!signer.publicKey) return;
  const leaf = parseCertificate(x5chain[0] as Uint8Array);
  const leafKeyId = keyIdOf(leaf.publicKey);
  const signingKeyId = keyIdOf(await signer.publicKey());
  if (leafKeyId !== signingKeyId) {
    throw new StepError('STEP_INPUT_UNREADABLE', `the certificate from ${source} is not for the signing key${keyName ? ` ${keyName}` : ''} (its key id is ${leafKeyId.slice(0, 16)}..., the signing key's ${signingKeyId.slice(0, 16)}...)`, { input: 'x5chain' });
  }
}

/** Where the statement of `file` goes: FILE.cose beside it, or in `outDir`. */
export function statementPathOf(file: string, outDir?: string): string {
  return join(outDir ?? dirname(file), `${basename(file)}.cose`);
}

/**
 * Digests each file, wraps the digest in a signed statement and writes FILE.cose, signing up to
 * `concurrency` statements at once. Results and outputs keep the input order. A file named twice is
 * signed once; files whose statements would land on one path, or on another input, are refused before
 * anything is read or written. The first signature that fails stops the batch: nothing is written for
 * that file or for files not yet started, and the failure is thrown.
 */
export async function signArtifacts(input: SignStepInput, host: Host): Promise<SignedArtifact[]> {
  const plan = await planOutputs(input.files, (file) => statementPathOf(file, input.outDir), { input: 'file', output: 'statement' });
  for (const { input: file, sameAs } of plan.repeated) host.warn(`${file} is named more than once (as ${sameAs}); signing it once`, { file });
  if (input.x5chain?.length) await checkChainMatchesSigner(input.signer, input.x5chain, input.x5chainSource ?? 'the x5chain', input.keyVersionUrl);
  const issuer = input.issuer ?? defaultIssuer(input.signer, input.x5chain);
  const issuedAt = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const digests = await digestFiles(plan.planned.map((item) => item.input), input.hashAlgorithm);
  const progress = new BatchProgress(host, digests.length, 'signed');
  const signed = await mapBounded(digests, input.concurrency ?? DEFAULT_SIGN_CONCURRENCY, async ({ path, digest, size }): Promise<SignedArtifact> => {
    const subject = input.subject ?? basename(path);
    const statement = await createSignedStatement(
      {
        hashAlgorithm: input.hashAlgorithm,
        digest,
        issuer,
        subject,
        issuedAt,
        preimageContentType: input.contentType ?? guessContentType(path),
        location: input.location,
        x5chain: input.x5chain,
      },
      input.signer,
    );
    const statementPath = statementPathOf(path, input.outDir);
    await writeOutput(statementPath, statement);
    const hex = Buffer.from(digest).toString('hex');
    if (!progress.active) host.info(`signed ${path} (${input.hashAlgorithm.name}:${hex}) -> ${statementPath}`);
    progress.advance();
    return { file: path, statementPath, algorithm: input.signer.algorithm.name, digest: `${input.hashAlgorithm.name}:${hex}`, issuer, subject, size, ...(input.keyVersionUrl ? { keyVersionUrl: input.keyVersionUrl } : {}) };
  });
  host.setOutput('statement-paths', signed.map((item) => item.statementPath).join('\n'));
  host.setOutput('digests', signed.map((item) => item.digest).join('\n'));
  if (input.keyVersionUrl) host.setOutput('key-version', input.keyVersionUrl);
  return signed;
}
