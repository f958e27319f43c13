// An admission thread: admits batches of statements for the ledger's main thread (see admission-threads.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { RegistrationPolicy } from '@countersign/core';
import { admissionFailure, admitForLedger, type AdmissionFailure } from './admission.js';
import type { AdmissionBatch, AdmissionResults } from './admission-threads.js';

const ENTRY_BYTES = 32;
const policy = (workerData as { policy: RegistrationPolicy }).policy;

parentPort?.on('message', ({ batch, now, packed, ends }: AdmissionBatch) => {
  const entries = new Uint8Array(ends.length * ENTRY_BYTES);
  const outcomes: Array<AdmissionFailure | Uint8Array | null> = [];
  let start = 0;
  ends.forEach((end, i) => {
    const statement = packed.subarray(start, end);
    start = end;
    try {
      const admitted = admitForLedger(statement, policy, new Date(now[i] as number));
      entries.set(admitted.entry, i * ENTRY_BYTES);
      // Usually the statement arrived with an empty unprotected header and is stored as it came.
      outcomes.push(Buffer.from(admitted.bytes.buffer, admitted.bytes.byteOffset, admitted.bytes.byteLength).equals(statement) ? null : admitted.bytes.slice());
    } catch (error) {
      outcomes.push(admissionFailure(error));
    }
  });
  const results: AdmissionResults = { batch, entries, outcomes };
  parentPort?.postMessage(results, [entries.buffer]);
});
