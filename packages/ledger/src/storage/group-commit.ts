/**
 * Group commit scheduling, two batches deep: items wait until `maxEntries` are queued or
 * `maxDelayMs` has passed since the first, then one batch (bounded by count and bytes) is handed to
 * `commit`. A commit has two stages: writing the batch's data, then finishing it (sealing, logging
 * the head, acknowledging). The next batch starts writing as soon as this one's data is written and
 * the batch before it has finished, so one batch's data is being made durable while the previous
 * one's head is: at most two batches are ever in flight, and they finish in order.
 */
export interface GroupCommitOptions<T> {
  maxEntries: number;
  maxDelayMs: number;
  /** Shortest time between the starts of two batches; a full batch (maxEntries) never waits for it. */
  minIntervalMs?: number;
  maxBytes: number;
  bytesOf: (item: T) => number;
}

/** What `commit` returns at once; neither promise may reject (`commit` settles its items itself). */
export interface CommitStages {
  /** Resolves once the batch's data is written; a batch whose write failed resolves it only once `finished` has. */
  written: Promise<void>;
  /** Resolves once the batch is acknowledged or failed; `commit` must not finish before `previous` has. */
  finished: Promise<void>;
}

export type Commit<T> = (batch: T[], previous: Promise<void>) => CommitStages;

export class GroupCommit<T> {
  private queue: T[] = [];
  private cancelTimer: (() => void) | undefined;
  /** Set synchronously, cleared in the same step that sees the queue empty: no item can slip between. */
  private active = false;
  private done: Promise<void> = Promise.resolve();
  /** While a batch is finishing with nothing queued behind it: called when the next batch is due. */
  private wake: (() => void) | undefined;
  /** While the loop waits out minIntervalMs: called when the queue fills a batch, or on drain. */
  private intervalOver: (() => void) | undefined;
  /** When the last batch started, kept while the loop is idle so the interval also holds across idle spells. */
  private lastStart = -Infinity;
  /** Set by drain: no batch waits for the interval any more. */
  private draining = false;

  constructor(
    private readonly commit: Commit<T>,
    private readonly options: GroupCommitOptions<T>,
  ) {}

  enqueue(item: T): void {
    this.queue.push(item);
    if (this.intervalOver !== undefined) {
      if (this.queue.length >= this.options.maxEntries) this.intervalOver();
      return;
    }
    if (this.active) {
      if (this.wake === undefined) return;
      if (this.queue.length >= this.options.maxEntries) this.wakeNow();
      else this.cancelTimer ??= this.after(this.options.maxDelayMs, () => this.wakeNow());
      return;
    }
    if (this.queue.length >= this.options.maxEntries) this.start();
    else this.cancelTimer ??= this.after(this.options.maxDelayMs, () => this.start());
  }

  /** Commits everything queued now, and resolves once no batch is running. */
  async drain(): Promise<void> {
    this.draining = true;
    this.intervalOver?.();
    if (!this.active && this.queue.length > 0) this.start();
    if (this.wake !== undefined && this.queue.length > 0) this.wakeNow();
    while (this.active) await this.done;
  }

  /** Hands every queued item back, unscheduled (the store is failing them all). */
  takeAll(): T[] {
    const items = this.queue;
    this.queue = [];
    return items;
  }

  private start(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.active) return;
    this.active = true;
    this.done = this.loop();
  }

  private wakeNow(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async loop(): Promise<void> {
    let previous: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        if (this.queue.length === 0) {
          // Nothing to write behind the finishing batch: wait for it, or for the next batch to be due.
          const due = new Promise<void>((resolve) => (this.wake = resolve));
          await Promise.race([previous, due]);
          this.wake = undefined;
          if (this.queue.length === 0) {
            await previous;
            if (this.queue.length === 0) break;
          }
        }
        this.cancelTimer?.();
        this.cancelTimer = undefined;
        await this.intervalSince(this.lastStart);
        this.lastStart = performance.now();
        const { written, finished } = this.commit(this.take(), previous);
        await Promise.all([written, previous]);
        previous = finished;
        // Callers whose appends just resolved usually append again a few promise steps later:
        // one event-loop turn lets them join the next batch instead of waiting for a timer.
        await new Promise((resume) => setImmediate(resume));
      }
    } finally {
      this.wake = undefined;
      this.active = false;
    }
  }

  /** Waits until minIntervalMs after `lastStart`, unless the queue already fills a batch or a drain asks for it. */
  private async intervalSince(lastStart: number): Promise<void> {
    const wait = lastStart + (this.options.minIntervalMs ?? 0) - performance.now();
    if (wait <= 0 || this.draining || this.queue.length >= this.options.maxEntries) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.intervalOver?.(), wait);
      this.intervalOver = () => {
        clearTimeout(timer);
        this.intervalOver = undefined;
        resolve();
      };
    });
  }

  /** setTimeout(0) waits a millisecond or more; a zero delay means the next event-loop turn. */
  private after(ms: number, run: () => void): () => void {
    if (ms === 0) {
      const immediate = setImmediate(run);
      return () => clearImmediate(immediate);
    }
    const timeout = setTimeout(run, ms);
    return () => clearTimeout(timeout);
  }

  private take(): T[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < this.options.maxEntries) {
      bytes += this.options.bytesOf(this.queue[count] as T);
      if (count > 0 && bytes > this.options.maxBytes) break;
      count++;
    }
    return this.queue.splice(0, count);
  }
}
