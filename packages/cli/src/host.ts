/**
 * What a step needs from whatever runs it: the CLI, a GitHub Action or an Azure DevOps task. Steps
 * are written once against this and never touch process.stdout, @actions/core or the task library.
 */
export interface Host {
  /** Progress for people; quiet hosts may drop it. */
  info(message: string): void;
  warn(message: string): void;
  /** A named result for the next step (GitHub output, Azure DevOps variable, or a --json field). */
  setOutput(name: string, value: string): void;
  /** Markdown for the run's summary page. */
  addSummary(markdown: string): void;
  /** A value that must never appear in logs. */
  setSecret(value: string): void;
}

/** A host that records everything: used by the CLI's --json mode and by tests. */
export class RecordingHost implements Host {
  readonly messages: Array<{ level: 'info' | 'warn'; message: string }> = [];
  readonly outputs: Record<string, string> = {};
  readonly summaries: string[] = [];
  private readonly secrets = new Set<string>();

  info(message: string): void {
    this.messages.push({ level: 'info', message: this.mask(message) });
  }

  warn(message: string): void {
    this.messages.push({ level: 'warn', message: this.mask(message) });
  }

  setOutput(name: string, value: string): void {
    this.outputs[name] = value;
  }

  addSummary(markdown: string): void {
    this.summaries.push(markdown);
  }

  setSecret(value: string): void {
    if (value) this.secrets.add(value);
  }

  protected mask(message: string): string {
    let masked = message;
    for (const secret of this.secrets) masked = masked.split(secret).join('***');
    return masked;
  }
}

/** The CLI's host: progress to stderr (stdout is kept for results), secrets masked. */
export class ConsoleHost extends RecordingHost {
  constructor(private readonly quiet = false) {
    super();
  }

  override info(message: string): void {
    super.info(message);
    if (!this.quiet) process.stderr.write(`${this.mask(message)}\n`);
  }

  override warn(message: string): void {
    super.warn(message);
    process.stderr.write(`warning: ${this.mask(message)}\n`);
  }
}
