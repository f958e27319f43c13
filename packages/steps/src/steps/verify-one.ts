import {
  SHA256,
  digestBytes,
  artifactHashAlgorithm,
  isCountersignError,
  parseDigest,
  parseSignedStatement,
  toHex,
  verifyStatement,
  type ArtifactDigest,
  type HashAlgorithm,
  type ReceiptSignatureCache,
  type SignedStatement,
  type TrustPolicy,
  type Verdict,
} from '@countersign/core';
import { StepError } from '../errors.js';
import { digestFile } from '../io/digest-files.js';
import { readInputSync, withSmallInputSync } from '../io/files.js';

/** One artifact to verify: the file (or its digest as ALG:HEX) and its statement. */
export interface VerifyPair {
  artifact: { file: string } | { digest: string };
  statementPath: string;
}

export interface VerifyOneResult {
  artifact: string;
  statementPath: string;
  /** ALG:HEX of the artifact as compared; the lockfile's key. */
  artifactDigest: string;
  verdict: Verdict;
}

/** How results name a pair's artifact: its file, or the digest it was given as. */
export function artifactName(pair: VerifyPair): string {
  return 'file' in pair.artifact ? pair.artifact.file : pair.artifact.digest;
}

async function artifactDigest(pair: VerifyPair, statement: SignedStatement | undefined): Promise<ArtifactDigest> {
  if ('digest' in pair.artifact) {
    try {
      return parseDigest(pair.artifact.digest);
    } catch (error) {
      if (isCountersignError(error)) throw new StepError('STEP_USAGE', `the digest: ${error.message}`, { input: 'digest' });
      throw error;
    }
  }
  // An unreadable statement still gets a digest: the verdict reports why the statement failed.
  const algorithm = statement ? artifactHashAlgorithm(statement.payload) : SHA256;
  return { algorithm, digest: await digestArtifact(pair.artifact.file, algorithm) };
}

/** Files this small are read whole, on this thread; larger ones are streamed. */
const SMALL_FILE = 1024 * 1024;

async function digestArtifact(path: string, algorithm: HashAlgorithm): Promise<Uint8Array> {
  let digest: Uint8Array | undefined;
  try {
    // Hashed where it was read: the artifact's bytes are not wanted afterwards.
    digest = withSmallInputSync(path, 'artifact', SMALL_FILE, (bytes) => digestBytes(algorithm, bytes));
  } catch {
    return digestFile(path, algorithm); // which reports the problem in its own words
  }
  return digest ?? digestFile(path, algorithm);
}

/**
 * Reads, digests and verifies one pair; the same code runs in worker threads for large batches. A
 * thread's pairs share `receiptSignatures`, so receipts issued together have their signature checked once.
 */
export async function verifyOne(pair: VerifyPair, policy: TrustPolicy, allowUnlogged: boolean, now?: Date, receiptSignatures?: ReceiptSignatureCache): Promise<VerifyOneResult> {
  const statement = readInputSync(pair.statementPath, 'statement', 16 * 1024 * 1024);
  let parsed: SignedStatement | undefined;
  try {
    parsed = parseSignedStatement(statement);
  } catch (error) {
    if (!isCountersignError(error)) throw error;
  }
  const artifact = await artifactDigest(pair, parsed);
  const verdict = verifyStatement({ statement, parsed, artifact, policy, allowUnlogged, now, receiptSignatures });
  return {
    artifact: artifactName(pair),
    statementPath: pair.statementPath,
    artifactDigest: `${artifact.algorithm.name}:${toHex(artifact.digest)}`,
    verdict,
  };
}
