import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  compareWithLock,
  emptyLock,
  firstFailure,
  lockRecordOf,
  parseLock,
  serializeLock,
  updateLock,
  isCountersignError,
  ReceiptSignatureCache,
  type Check,
  type Lockfile,
  type TrustPolicy,
  type Verdict,
} from '@countersign/core';
import { StepError } from '../errors.js';
import type { Host } from '../host.js';
import { exists, readTextInput, writeOutput } from '../io/files.js';
import { withFetchedServiceKeys } from '../transparency/fetch-service-keys.js';
import { verifyOne, type VerifyOneResult, type VerifyPair } from './verify-one.js';
import { verifyOnThreads, type ThreadedOutcome } from './verify-threads.js';

export type { VerifyPair } from './verify-one.js';

export interface VerifyStepInput {
  pairs: VerifyPair[];
  policy: TrustPolicy;
  allowUnlogged?: boolean;
  /** A receipt lockfile to check against, and whether to record new artifacts in it. */
  lock?: { path: string; update: boolean };
  /** Threads used for large batches; default: every core. */
  concurrency?: number;
  now?: Date;
}

export type VerifyStepResult = VerifyOneResult;

/** Pairs per thread below which starting workers costs more than it saves. */
const MIN_PAIRS_PER_WORKER = 64;
const WORKER_SCRIPT = new URL('./verify-worker.js', import.meta.url);

/** Verifies every pair, splitting large batches across threads; results keep the input order. */
async function verifyAll(input: VerifyStepInput, host: Host): Promise<VerifyOneResult[]> {
  const allowUnlogged = input.allowUnlogged === true;
  let threads = Math.min(input.concurrency ?? availableParallelism(), Math.floor(input.pairs.length / MIN_PAIRS_PER_WORKER));
  // The worker is a file beside this module (a bundle ships its own copy there); without it the batch still
  // verifies, only slower, and whoever runs it should know why.
  if (threads >= 2 && !existsSync(fileURLToPath(WORKER_SCRIPT))) {
    host.warn(`verification worker ${fileURLToPath(WORKER_SCRIPT)} is missing: verifying on one thread`);
    threads = 1;
  }
  host.debug(`verifying ${input.pairs.length} artifact(s) on ${Math.max(threads, 1)} thread(s)`);
  let outcome: ThreadedOutcome;
  if (threads < 2) {
    const cache = new ReceiptSignatureCache();
    const results: VerifyOneResult[] = [];
    for (const pair of input.pairs) results.push(await verifyOne(pair, input.policy, allowUnlogged, input.now, cache));
    outcome = { results, reused: cache.hits, shares: [results.length] };
  } else {
    outcome = await verifyOnThreads({ pairs: input.pairs, policy: input.policy, allowUnlogged, now: input.now, threads, workerScript: WORKER_SCRIPT });
    host.debug(`artifacts verified per thread: ${outcome.shares.join(', ')}`);
  }
  if (outcome.reused > 0) host.debug(`${outcome.reused} receipt signature check(s) answered by an identical one earlier in the batch`);
  return outcome.results;
}

async function readLock(path: string): Promise<Lockfile> {
  if (!(await exists(path))) return emptyLock();
  try {
    return parseLock(await readTextInput(path, 'lockfile'));
  } catch (error) {
    if (isCountersignError(error) && error.area === 'lock') throw new StepError('STEP_INPUT_UNREADABLE', `${path}: ${error.message}`, { input: 'lockfile' });
    throw error;
  }
}

function withCheck(verdict: Verdict, check: Check): Verdict {
  return { ...verdict, verified: verdict.verified && check.outcome !== 'fail', checks: [...verdict.checks, check] };
}

/** Compares each verified artifact with the lockfile; records new ones when asked. Conflicts always fail. */
async function applyLock(results: VerifyOneResult[], lock: { path: string; update: boolean }, host: Host): Promise<VerifyOneResult[]> {
  let lockfile = await readLock(lock.path);
  let changed = 0;
  const checked = results.map((result) => {
    const facts = result.verdict.statement;
    if (!result.verdict.verified || !facts) return { ...result, verdict: withCheck(result.verdict, { name: 'lock', outcome: 'skipped', reason: 'not verified, so not compared' }) };
    const record = lockRecordOf(facts);
    const comparison = compareWithLock(lockfile, result.artifactDigest, record);
    if (comparison.outcome === 'conflict') return { ...result, verdict: withCheck(result.verdict, { name: 'lock', outcome: 'fail', reason: comparison.reason }) };
    const updated = updateLock(lockfile, result.artifactDigest, record);
    const grows = JSON.stringify(updated.artifacts[result.artifactDigest]) !== JSON.stringify(lockfile.artifacts[result.artifactDigest]);
    if (lock.update && grows) {
      lockfile = updated;
      changed++;
      return { ...result, verdict: withCheck(result.verdict, { name: 'lock', outcome: 'pass', reason: `recorded in ${lock.path}` }) };
    }
    if (comparison.outcome === 'new') return { ...result, verdict: withCheck(result.verdict, { name: 'lock', outcome: 'skipped', reason: `not in ${lock.path} (record it by updating the lockfile)` }) };
    return { ...result, verdict: withCheck(result.verdict, { name: 'lock', outcome: 'pass', reason: `matches ${lock.path}` }) };
  });
  if (changed > 0) {
    await writeOutput(lock.path, serializeLock(lockfile));
    host.info(`recorded ${changed} artifact(s) in ${lock.path}`);
  }
  return checked;
}

/** Verifies artifacts against their statements under a trust policy; each verdict says what failed. */
export async function verifyArtifacts(input: VerifyStepInput, host: Host): Promise<VerifyStepResult[]> {
  const policy = await withFetchedServiceKeys(input.policy, input.pairs.map((pair) => pair.statementPath), host);
  let results = await verifyAll({ ...input, policy }, host);
  if (input.lock) results = await applyLock(results, input.lock, host);
  for (const result of results) {
    const failure = firstFailure(result.verdict);
    if (failure) host.error(`${result.artifact}: ${failure.name}: ${failure.reason}`, { file: result.artifact, check: failure.name });
  }
  host.setOutput('verified', String(results.every((result) => result.verdict.verified)));
  return results;
}

/** The failure a run with unverified artifacts ends in, for front ends that fail the run on it; undefined when all verified. */
export function verificationFailure(results: readonly VerifyStepResult[]): StepError | undefined {
  const failed = results.filter((result) => !result.verdict.verified);
  if (failed.length === 0) return undefined;
  return new StepError('STEP_VERIFICATION_FAILED', `${failed.length} of ${results.length} artifact(s) did not verify: ${failed.map((result) => result.artifact).join(', ')}`);
}

/** One artifact: the form `release` and single-file callers use. */
export async function verifyArtifact(input: Omit<VerifyStepInput, 'pairs'> & VerifyPair, host: Host): Promise<VerifyStepResult> {
  const [result] = await verifyArtifacts({ ...input, pairs: [{ artifact: input.artifact, statementPath: input.statementPath }] }, host);
  return result as VerifyStepResult;
}
