/** The bytes that unfinished request bodies hold across all requests, against one fixed budget. */
export class BodyBudget {
  private held = 0;

  constructor(readonly limit: number) {}

  /** Takes `bytes` from the budget, or returns false and takes nothing when they are not there. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }

  get bytes(): number {
    return this.held;
  }
}
