import {
  SHA256,
  artifactHashAlgorithm,
  firstFailure,
  isCountersignError,
  parseDigest,
  parseSignedStatement,
  verifyStatement,
  type ArtifactDigest,
  type TrustPolicy,
  type Verdict,
} from '@countersign/core';
import { CliError } from '../errors.js';
import type { Host } from '../host.js';
import { digestFile } from '../io/digest-files.js';
import { readInput } from '../io/files.js';

export interface VerifyStepInput {
  statementPath: string;
  /** The artifact on disk, or its digest as ALG:HEX. */
  artifact: { file: string } | { digest: string };
  policy: TrustPolicy;
  allowUnlogged?: boolean;
  now?: Date;
}

export interface VerifyStepResult {
  artifact: string;
  statementPath: string;
  verdict: Verdict;
}

async function artifactDigest(input: VerifyStepInput, statement: Uint8Array): Promise<ArtifactDigest> {
  if ('digest' in input.artifact) {
    try {
      return parseDigest(input.artifact.digest);
    } catch (error) {
      if (isCountersignError(error)) throw new CliError('USAGE', `--digest: ${error.message}`);
      throw error;
    }
  }
  let algorithm = SHA256;
  try {
    algorithm = artifactHashAlgorithm(parseSignedStatement(statement).payload);
  } catch {
    // The verdict reports why the statement is unreadable; the digest just has to exist.
  }
  return { algorithm, digest: await digestFile(input.artifact.file, algorithm) };
}

/** Verifies one artifact against its statement under a trust policy; the verdict says what failed. */
export async function verifyArtifact(input: VerifyStepInput, host: Host): Promise<VerifyStepResult> {
  const statement = await readInput(input.statementPath, 'statement', 16 * 1024 * 1024);
  const artifact = await artifactDigest(input, statement);
  const verdict = verifyStatement({ statement, artifact, policy: input.policy, allowUnlogged: input.allowUnlogged, now: input.now });
  const label = 'file' in input.artifact ? input.artifact.file : input.artifact.digest;
  const failure = firstFailure(verdict);
  if (failure) host.warn(`${label}: ${failure.name}: ${failure.reason}`);
  host.setOutput('verified', String(verdict.verified));
  return { artifact: label, statementPath: input.statementPath, verdict };
}
