/**
 * Group commit scheduling: items wait until `maxEntries` are queued or `maxDelayMs` has passed
 * since the first, then one batch (bounded by count and bytes) is handed to `commit`. Batches never
 * overlap: whatever arrives while one commits forms the next, which starts as soon as it ends,
 * because those items have already waited. `commit` settles its items itself and must not throw.
 */
export interface GroupCommitOptions<T> {
  maxEntries: number;
  maxDelayMs: number;
  maxBytes: number;
  bytesOf: (item: T) => number;
}

export class GroupCommit<T> {
  private queue: T[] = [];
  private cancelTimer: (() => void) | undefined;
  /** Set synchronously, cleared in the same step that sees the queue empty: no item can slip between. */
  private active = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly commit: (batch: T[]) => Promise<void>,
    private readonly options: GroupCommitOptions<T>,
  ) {}

  enqueue(item: T): void {
    this.queue.push(item);
    if (this.active) return;
    if (this.queue.length >= this.options.maxEntries) this.start();
    else this.cancelTimer ??= this.after(this.options.maxDelayMs, () => this.start());
  }

  /** Commits everything queued now, and resolves once no batch is running. */
  async drain(): Promise<void> {
    if (!this.active && this.queue.length > 0) this.start();
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

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await this.commit(this.take());
        // Callers whose appends just resolved usually append again a few promise steps later:
        // one event-loop turn lets them join the next batch instead of waiting for a timer.
        await new Promise((resume) => setImmediate(resume));
      }
    } finally {
      this.active = false;
    }
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
