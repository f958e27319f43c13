import { parentPort, workerData } from 'node:worker_threads';
import { parsePolicy } from '@countersign/core';
import { verifyOne, type VerifyPair } from './verify-one.js';

/** A worker verifies its share of the pairs and posts each result, or the first error, to its parent. */
interface Job {
  policy: string;
  allowUnlogged: boolean;
  pairs: VerifyPair[];
  now?: string;
}

const job = workerData as Job;
const policy = parsePolicy(job.policy);
(async () => {
  const results = [];
  const now = job.now ? new Date(job.now) : undefined;
  for (const pair of job.pairs) results.push(await verifyOne(pair, policy, job.allowUnlogged, now));
  parentPort?.postMessage({ ok: true, results });
})().catch((error: unknown) => {
  const { code, message, area } = error as { code?: string; message?: string; area?: string };
  parentPort?.postMessage({ ok: false, error: { code, message: message ?? String(error), area } });
});
