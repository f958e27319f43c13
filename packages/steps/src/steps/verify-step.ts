import type { TrustPolicy } from '@countersign/core';
import { StepError } from '../errors.js';
import type { Host } from '../host.js';
import { writeOutput } from '../io/files.js';
import { readPolicyFile } from '../io/policy-file.js';
import { expandStatementGlob } from '../io/statement-glob.js';
import { verdictsMarkdown } from './summary.js';
import { verifyArtifacts, type VerifyPair, type VerifyStepResult } from './verify.js';

/** What a front end is given to verify, before the rules for how those inputs go together are applied. */
export interface VerifyRequest {
  /** Artifact files; each statement is FILE.cose beside it unless `statement` names it. */
  artifacts?: string[];
  /** ALG:HEX of an artifact not at hand, with the `statement` it was signed in. */
  digest?: string;
  /** The statement of the one artifact (or digest). */
  statement?: string;
  /** Patterns of statement files (wildcards in the file name); each artifact is its statement's name without .cose. */
  statementGlobs?: string[];
  /** A trust policy file, or the policy itself. */
  trustPolicy: string | TrustPolicy;
  allowUnlogged?: boolean;
  lockfile?: string;
  updateLockfile?: boolean;
  concurrency?: number;
  /** Where to write every verdict as JSON, for a later step or a workflow artifact. */
  reportPath?: string;
  now?: Date;
}

export interface VerifyStepOutcome {
  pairs: VerifyPair[];
  results: VerifyStepResult[];
  verified: boolean;
}

const stripCose = (path: string): string => (path.endsWith('.cose') ? path.slice(0, -'.cose'.length) : path);

/** The (artifact, statement) pairs the request names; inputs that do not go together are a STEP_USAGE error. */
export async function pairsOf(request: VerifyRequest): Promise<VerifyPair[]> {
  const artifacts = request.artifacts ?? [];
  const { digest, statement } = request;
  const globs = request.statementGlobs ?? [];
  if (globs.length) {
    if (artifacts.length || digest || statement) throw new StepError('STEP_USAGE', 'statement globs find both statements and artifacts: give no artifact, digest or statement with them', { input: 'statementGlobs' });
    const statements = (await Promise.all(globs.map((glob) => expandStatementGlob(glob)))).flat();
    return [...new Set(statements)].map((path) => ({ artifact: { file: stripCose(path) }, statementPath: path }));
  }
  if (digest) {
    if (artifacts.length) throw new StepError('STEP_USAGE', 'give either artifacts or a digest, not both', { input: 'digest' });
    if (!statement) throw new StepError('STEP_USAGE', 'a digest needs the statement that was signed over it', { input: 'statement' });
    return [{ artifact: { digest }, statementPath: statement }];
  }
  if (artifacts.length === 0) throw new StepError('STEP_USAGE', 'no artifact to verify (nor a digest, nor statement globs)', { input: 'files' });
  if (statement) {
    if (artifacts.length > 1) throw new StepError('STEP_USAGE', 'one statement goes with one artifact; for several, keep each artifact\'s .cose beside it', { input: 'statement' });
    return [{ artifact: { file: artifacts[0] as string }, statementPath: statement }];
  }
  return artifacts.map((file) => ({ artifact: { file }, statementPath: `${file}.cose` }));
}

function reportEntry(result: VerifyStepResult): object {
  return { artifact: result.artifact, statement: result.statementPath, artifactDigest: result.artifactDigest, ...result.verdict };
}

/**
 * The verify-receipt step: applies the input rules, verifies every pair under the trust policy,
 * reports each failure as an annotation on its artifact, and adds the verdicts to the run's summary.
 */
export async function verifyStep(request: VerifyRequest, host: Host): Promise<VerifyStepOutcome> {
  const pairs = await pairsOf(request);
  if (request.updateLockfile && !request.lockfile) throw new StepError('STEP_USAGE', 'updating the lockfile needs a lockfile', { input: 'lockfile' });
  const policy = typeof request.trustPolicy === 'string' ? await readPolicyFile(request.trustPolicy) : request.trustPolicy;
  const results = await verifyArtifacts(
    {
      pairs,
      policy,
      allowUnlogged: request.allowUnlogged,
      lock: request.lockfile ? { path: request.lockfile, update: request.updateLockfile === true } : undefined,
      concurrency: request.concurrency,
      now: request.now,
    },
    host,
  );
  if (host.wantsSummary?.() !== false) host.addSummary(verdictsMarkdown(results));
  if (request.reportPath) {
    await writeOutput(request.reportPath, `${JSON.stringify(results.map(reportEntry), null, 2)}\n`);
    host.setOutput('report-path', request.reportPath);
  }
  return { pairs, results, verified: results.every((result) => result.verdict.verified) };
}
