import type { Host } from '../host.js';

/** Batches up to this size report each artifact; larger ones report progress instead, so a log stays readable. */
export const PER_ITEM_LINES_UP_TO = 20;
/** A progress line at least this often, so a slow (throttled) batch still shows it is moving. */
export const PROGRESS_INTERVAL_MS = 5_000;

/**
 * `signed 250/1000` lines through the host (standard error in the CLI, never standard output): one per
 * tenth of the batch, one whenever PROGRESS_INTERVAL_MS has passed since the last, and one at the end.
 */
export class BatchProgress {
  private done = 0;
  private reportedAt: number;
  private reportedCount = 0;
  private readonly step: number;

  constructor(
    private readonly host: Host,
    private readonly total: number,
    private readonly verb: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.step = Math.max(1, Math.ceil(total / 10));
    this.reportedAt = clock();
  }

  /** Whether this batch reports progress lines rather than one line per item. */
  get active(): boolean {
    return this.total > PER_ITEM_LINES_UP_TO;
  }

  advance(): void {
    this.done++;
    if (!this.active) return;
    const now = this.clock();
    if (this.done === this.total || this.done - this.reportedCount >= this.step || now - this.reportedAt >= PROGRESS_INTERVAL_MS) {
      this.host.info(`${this.verb} ${this.done}/${this.total}`);
      this.reportedCount = this.done;
      this.reportedAt = now;
    }
  }
}
