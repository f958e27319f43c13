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

function givenDigest(text: string): ArtifactDigest {
  try {
    return parseDigest(text);
  } catch (error) {
    if (isCountersignError(error)) throw new StepError('STEP_USAGE', `the digest: ${error.message}`, { input: 'digest' });
    throw error;
  }
}

/** A small file's digest, hashed where it was read (its bytes are not wanted afterwards); undefined: stream it. */
function smallFileDigest(path: string, algorithm: HashAlgorithm): Uint8Array | undefined {
  try {
    return withSmallInputSync(path, 'artifact', SMALL_FILE, (bytes) => digestBytes(algorithm, bytes));
  } catch {
    return undefined; // streaming reports the problem in its own words
  }
}

/** Files this small are read whole, on this thread; larger ones are streamed. */
const SMALL_FILE = 1024 * 1024;

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
  // An unreadable statement still gets a digest: the verdict reports why the statement failed.
  const algorithm = parsed ? artifactHashAlgorithm(parsed.payload) : SHA256;
  let artifact: ArtifactDigest;
  if ('digest' in pair.artifact) artifact = givenDigest(pair.artifact.digest);
  // Most artifacts are small: then there is no promise to wait for.
  else artifact = { algorithm, digest: smallFileDigest(pair.artifact.file, algorithm) ?? (await digestFile(pair.artifact.file, algorithm)) };
  const verdict = verifyStatement({ statement, parsed, artifact, policy, allowUnlogged, now, receiptSignatures });
  return {
    artifact: artifactName(pair),
    statementPath: pair.statementPath,
    artifactDigest: `${artifact.algorithm.name}:${toHex(artifact.digest)}`,
    verdict,
  };
}
