import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RegistrationPolicy } from '@countersign/core';
import { admitForLedger, failureError, type AdmissionFailure, type Admitted } from './admission.js';

/** One message to an admission thread: statements packed back to back (transferred, not copied). */
export interface AdmissionBatch {
  batch: number;
  /** Registration time of each statement, in ms since the epoch. */
  now: number[];
  packed: Uint8Array;
  /** End offset of each statement in `packed`. */
  ends: number[];
}

/** The answer: per statement, null (stored as it came), its stored bytes, or why it was refused; entries packed 32 bytes each. */
export interface AdmissionResults {
  batch: number;
  entries: Uint8Array;
  outcomes: Array<AdmissionFailure | Uint8Array | null>;
}

interface Waiting {
  statement: Uint8Array;
  now: number;
  resolve: (admitted: Admitted) => void;
  reject: (error: Error) => void;
}

interface AdmissionThread {
  worker: Worker;
  /** Batches sent and not yet answered, by batch number. */
  batches: Map<number, Waiting[]>;
  statements: number;
}

const ENTRY_BYTES = 32;

/**
 * Admits statements (signature checks and all, see admitForLedger) off the main thread when
 * registrations overlap, so the thread serving HTTP and committing batches is not the one spending
 * most of each registration's CPU. A lone registration is admitted in place: a thread hop would
 * only add latency. Threads start on first overlap; without the worker file beside this module
 * (a bundle, or tests run from the TypeScript sources) everything is admitted in place.
 */
export class AdmissionThreads {
  private readonly threads: AdmissionThread[] = [];
  private queued: Waiting[] = [];
  private flushing = false;
  private nextBatch = 0;
  private broken = false;

  /** `script` is the worker module; tests that run the TypeScript sources point it at the built one. */
  constructor(
    private readonly policy: RegistrationPolicy,
    private readonly threadCount: number,
    private readonly script: URL | undefined = workerScript(),
  ) {}

  /** Threads used when registrations overlap: the cores but one (the main thread's), one to four. */
  static defaultCount(): number {
    return Math.max(1, Math.min(4, availableParallelism() - 1));
  }

  /** Admits on a thread when `overlapping` (other registrations are in flight), in place otherwise. */
  async admit(statement: Uint8Array, now: Date, overlapping: boolean): Promise<Admitted> {
    if (!overlapping || !this.usable()) return admitForLedger(statement, this.policy, now);
    return new Promise<Admitted>((resolve, reject) => {
      this.queued.push({ statement, now: now.getTime(), resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Everything parsed in this turn of the event loop goes in one message.
        setImmediate(() => this.flush());
      }
    });
  }

  async close(): Promise<void> {
    this.broken = true;
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
    for (const thread of threads) this.fail(thread, new Error('the ledger closed while statements were being admitted'));
  }

  private usable(): boolean {
    if (this.broken || this.threadCount < 1) return false;
    if (this.threads.length === 0) {
      if (this.script === undefined) {
        this.broken = true;
        return false;
      }
      for (let i = 0; i < this.threadCount; i++) this.threads.push(this.start(this.script));
    }
    return true;
  }

  private start(script: URL): AdmissionThread {
    const worker = new Worker(script, { workerData: { policy: this.policy } });
    worker.unref();
    const thread: AdmissionThread = { worker, batches: new Map(), statements: 0 };
    worker.on('message', (results: AdmissionResults) => this.settle(thread, results));
    worker.on('error', (error) => this.lose(thread, error));
    worker.on('exit', (code) => this.lose(thread, new Error(`admission thread exited with code ${code}`)));
    return thread;
  }

  private flush(): void {
    this.flushing = false;
    const waiting = this.queued;
    this.queued = [];
    if (waiting.length === 0) return;
    const thread = this.threads.reduce<AdmissionThread | undefined>((least, candidate) => (least === undefined || candidate.statements < least.statements ? candidate : least), undefined);
    if (thread === undefined) {
      // Every thread was lost: admit here.
      for (const item of waiting) {
        try {
          item.resolve(admitForLedger(item.statement, this.policy, new Date(item.now)));
        } catch (error) {
          item.reject(error as Error);
        }
      }
      return;
    }
    const ends: number[] = [];
    let total = 0;
    for (const item of waiting) ends.push((total += item.statement.byteLength));
    const packed = new Uint8Array(total);
    waiting.forEach((item, i) => packed.set(item.statement, i === 0 ? 0 : (ends[i - 1] as number)));
    const batch = this.nextBatch++;
    thread.batches.set(batch, waiting);
    if (thread.statements === 0) thread.worker.ref();
    thread.statements += waiting.length;
    const message: AdmissionBatch = { batch, now: waiting.map((item) => item.now), packed, ends };
    thread.worker.postMessage(message, [packed.buffer]);
  }

  private settle(thread: AdmissionThread, { batch, entries, outcomes }: AdmissionResults): void {
    const waiting = thread.batches.get(batch);
    if (waiting === undefined) return;
    thread.batches.delete(batch);
    thread.statements -= waiting.length;
    if (thread.statements === 0) thread.worker.unref();
    waiting.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome === null || outcome instanceof Uint8Array) {
        // A view: the store copies the entry it keeps, and the message's buffer is this thread's now.
        item.resolve({ bytes: outcome ?? item.statement, entry: entries.subarray(i * ENTRY_BYTES, (i + 1) * ENTRY_BYTES) });
      } else {
        item.reject(failureError(outcome as AdmissionFailure));
      }
    });
  }

  /** A thread that failed: its statements fail as the server's fault, and later ones go to the others (or are admitted here). */
  private lose(thread: AdmissionThread, error: Error): void {
    const at = this.threads.indexOf(thread);
    if (at >= 0) this.threads.splice(at, 1);
    if (this.threads.length === 0) this.broken = true;
    this.fail(thread, error);
  }

  private fail(thread: AdmissionThread, error: Error): void {
    for (const waiting of thread.batches.values()) for (const item of waiting) item.reject(error);
    thread.batches.clear();
    thread.statements = 0;
  }
}

/** The worker file beside this module, or undefined where it is not there. */
function workerScript(): URL | undefined {
  try {
    const script = new URL('./admission-worker.js', import.meta.url);
    return existsSync(fileURLToPath(script)) ? script : undefined;
  } catch {
    return undefined;
  }
}
