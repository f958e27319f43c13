import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ReceiptSignatureCache, serializePolicy, type TrustPolicy } from '@countersign/core';
import { StepError, type StepErrorCode, type StepInput } from '../errors.js';
import { artifactName, verifyOne, type VerifyOneResult, type VerifyPair } from './verify-one.js';

/**
 * Pairs a thread takes at a time. Threads claim from one shared counter rather than a fixed share each,
 * so a worker that starts late, or a core another process is using, ends up with less to do instead of
 * leaving the others waiting. Small enough that the last claims end close together, large enough that
 * a result message carries tens of verdicts.
 */
export const CLAIM_SIZE = 32;

/** What the main thread posts a worker for each batch. */
export interface WorkerJob {
  policy: string;
  allowUnlogged: boolean;
  /** The batch's pairs as JSON text (VerifyPair[]): cloning thousands of small objects costs several times more. */
  pairs: string;
  now?: string;
  /** One Int32: the index of the next unclaimed pair, shared by every thread of the batch. */
  counter: SharedArrayBuffer;
}

/** An error as it crosses from a worker: enough to raise the same StepError on the main thread. */
export interface PostedError {
  area?: string;
  code?: string;
  message: string;
  input?: StepInput;
}

/**
 * What a worker posts: results as it goes, then how many receipt signature checks its cache answered.
 * A claim's results travel as one JSON text of what this thread does not know already (the digest and
 * the verdict of each pair; the paths are its own): a structured clone of verdicts, a dozen small
 * objects and strings each, costs the worker about five times and this thread three times as much.
 */
export type WorkerMessage =
  | { kind: 'results'; start: number; verdicts: string }
  | { kind: 'done'; verified: number; reused: number }
  | { kind: 'failed'; error: PostedError };

/** The next run of pairs to verify, [start, end), or undefined when every pair is taken. */
export function claim(counter: Int32Array, total: number): [start: number, end: number] | undefined {
  const start = Atomics.add(counter, 0, CLAIM_SIZE);
  return start < total ? [start, Math.min(total, start + CLAIM_SIZE)] : undefined;
}

/** The part of a result a worker sends: verdicts hold only JSON values (text, finite numbers, booleans). */
type PostedVerdict = Pick<VerifyOneResult, 'artifactDigest' | 'verdict'>;

export function postedVerdicts(results: readonly VerifyOneResult[]): string {
  return JSON.stringify(results.map(({ artifactDigest, verdict }): PostedVerdict => ({ artifactDigest, verdict })));
}

function receivedResults(pairs: readonly VerifyPair[], start: number, verdicts: string): VerifyOneResult[] {
  return (JSON.parse(verdicts) as PostedVerdict[]).map(({ artifactDigest, verdict }, offset) => {
    const pair = pairs[start + offset] as VerifyPair;
    return { artifact: artifactName(pair), statementPath: pair.statementPath, artifactDigest, verdict };
  });
}

export function postedError(error: unknown): PostedError {
  const { area, code, message, input } = (error ?? {}) as Partial<PostedError>;
  return { area, code, message: typeof message === 'string' ? message : String(error), input };
}

const STEP_CODES: ReadonlySet<string> = new Set<StepErrorCode>(['STEP_USAGE', 'STEP_INPUT_NOT_FOUND', 'STEP_INPUT_UNREADABLE']);

function raisedFrom(error: PostedError): StepError {
  // A worker's step errors keep their code and input; anything else it could not have reported otherwise.
  if (error.area === 'step' && error.code && STEP_CODES.has(error.code)) {
    return new StepError(error.code as StepErrorCode, error.message, error.input === undefined ? {} : { input: error.input });
  }
  return new StepError('STEP_INPUT_UNREADABLE', `verification worker failed: ${error.message}`);
}

export interface ThreadedBatch {
  pairs: VerifyPair[];
  policy: TrustPolicy;
  allowUnlogged: boolean;
  now?: Date;
  /** Threads in all, this one included (at least 2). */
  threads: number;
  workerScript: URL;
}

export interface ThreadedOutcome {
  results: VerifyOneResult[];
  /** Receipt signature checks answered by a thread's cache instead of OpenSSL. */
  reused: number;
  /** Pairs each thread took, this one first: how evenly the batch spread. */
  shares: number[];
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Workers left idle by earlier batches, by script: unreferenced, so they never keep the process alive.
// A process that verifies more than once (a server, a test run, a benchmark) then pays a worker's
// start-up and the warm-up of its code once rather than per batch; a one-shot CLI pays it once anyway.
const idleWorkers = new Map<string, Worker[]>();

function takeWorker(script: URL): Worker {
  const pool = idleWorkers.get(script.href) ?? [];
  idleWorkers.set(script.href, pool);
  let worker = pool.pop();
  if (!worker) {
    const created = new Worker(script);
    // An idle worker that dies is simply dropped; a busy one's failure is reported by its batch.
    created.on('error', () => {});
    created.once('exit', () => {
      const at = pool.indexOf(created);
      if (at >= 0) pool.splice(at, 1);
    });
    worker = created;
  }
  worker.ref();
  return worker;
}

/** Idle workers kept per script: more than the cores would only hold memory. */
const MAX_IDLE_WORKERS = Math.max(1, availableParallelism() - 1);

function putBack(script: URL, worker: Worker): void {
  const pool = idleWorkers.get(script.href);
  if (!pool || pool.length >= MAX_IDLE_WORKERS) {
    void worker.terminate();
    return;
  }
  worker.unref();
  pool.push(worker);
}

/**
 * Verifies a batch on this thread and `threads - 1` workers; results keep the input order. The first
 * error stops every thread and is raised here.
 */
export async function verifyOnThreads(batch: ThreadedBatch): Promise<ThreadedOutcome> {
  const total = batch.pairs.length;
  const results = new Array<VerifyOneResult>(total);
  const counter = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  let failure: Error | undefined;
  let reused = 0;
  const shares = [0];
  const workers: Worker[] = [];
  const stop = (error: Error): void => {
    failure ??= error;
    Atomics.store(counter, 0, total);
    // A worker of a failed batch is not reused: it may be in the middle of a claim.
    for (const worker of workers) void worker.terminate();
  };

  const job: WorkerJob = { policy: serializePolicy(batch.policy), allowUnlogged: batch.allowUnlogged, pairs: JSON.stringify(batch.pairs), now: batch.now?.toISOString(), counter: counter.buffer as SharedArrayBuffer };
  const finished = Array.from({ length: batch.threads - 1 }, (_, position) => {
    const worker = takeWorker(batch.workerScript);
    workers.push(worker);
    return new Promise<boolean>((resolve) => {
      const onMessage = (message: WorkerMessage): void => {
        if (message.kind === 'results') {
          receivedResults(batch.pairs, message.start, message.verdicts).forEach((result, offset) => (results[message.start + offset] = result));
        } else if (message.kind === 'done') {
          reused += message.reused;
          shares[position + 1] = message.verified;
          settle(true);
        } else {
          stop(raisedFrom(message.error));
        }
      };
      const onError = (error: Error): void => stop(new StepError('STEP_INPUT_UNREADABLE', `verification worker failed: ${error.message}`));
      const onExit = (code: number): void => {
        stop(new StepError('STEP_INPUT_UNREADABLE', `verification worker stopped (exit code ${code}) before its share was done`));
        settle(false);
      };
      const settle = (done: boolean): void => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        resolve(done);
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage(job);
    });
  });

  // This thread verifies too, and between its claims lets the workers' results in, so taking them in
  // is spread over the run rather than left until the end.
  const cache = new ReceiptSignatureCache();
  try {
    for (let range = claim(counter, total); range; range = claim(counter, total)) {
      for (let index = range[0]; index < range[1]; index++) results[index] = await verifyOne(batch.pairs[index] as VerifyPair, batch.policy, batch.allowUnlogged, batch.now, cache);
      shares[0] = (shares[0] ?? 0) + range[1] - range[0];
      await nextTurn();
    }
  } catch (error) {
    stop(error instanceof Error ? error : new StepError('STEP_INPUT_UNREADABLE', String(error)));
  }
  const done = await Promise.all(finished);
  if (failure) throw failure;
  workers.forEach((worker, index) => {
    if (done[index]) putBack(batch.workerScript, worker);
  });
  return { results, reused: reused + cache.hits, shares };
}
