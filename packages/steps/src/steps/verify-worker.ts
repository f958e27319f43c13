import { parentPort } from 'node:worker_threads';
import { ReceiptSignatureCache, parsePolicy } from '@countersign/core';
import { verifyOne, type VerifyOneResult, type VerifyPair } from './verify-one.js';
import { claim, postedError, postedVerdicts, type WorkerJob, type WorkerMessage } from './verify-threads.js';

/**
 * A worker takes one batch at a time: it claims pairs from the batch's shared counter until none are
 * left, posting each claim's results as it goes, then waits for the next batch.
 */
const post = (message: WorkerMessage): void => parentPort?.postMessage(message);

async function verifyShare(job: WorkerJob): Promise<void> {
  const policy = parsePolicy(job.policy);
  const now = job.now ? new Date(job.now) : undefined;
  const pairs = JSON.parse(job.pairs) as VerifyPair[];
  const counter = new Int32Array(job.counter);
  const cache = new ReceiptSignatureCache();
  let verified = 0;
  for (let range = claim(counter, pairs.length); range; range = claim(counter, pairs.length)) {
    const results: VerifyOneResult[] = [];
    for (let index = range[0]; index < range[1]; index++) results.push(await verifyOne(pairs[index]!, policy, job.allowUnlogged, now, cache));
    post({ kind: 'results', start: range[0], verdicts: postedVerdicts(results) });
    verified += results.length;
  }
  post({ kind: 'done', verified, reused: cache.hits });
}

parentPort?.on('message', (job: WorkerJob) => {
  verifyShare(job).catch((error: unknown) => post({ kind: 'failed', error: postedError(error) }));
});
