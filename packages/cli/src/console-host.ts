import { appendFileSync } from 'node:fs';
import { RecordingHost, type AnnotationTarget } from '@countersign/steps';
import { CliError } from './errors.js';

export interface ConsoleHostOptions {
  /** --json: standard error keeps warnings and errors only. */
  quiet?: boolean;
  /** COUNTERSIGN_DEBUG: debug lines too. */
  debug?: boolean;
  /** --summary FILE: where summaries are appended (e.g. $GITHUB_STEP_SUMMARY); dropped without it. */
  summaryPath?: string;
  write?: (line: string) => void;
}

const UPLOADS_UNSUPPORTED = 'the command line has no artifact store; the files stay where they were written';

/**
 * The CLI's host: everything on standard error (standard output is kept for results), secrets
 * masked. Annotations are plain `error:` / `warning:` lines, and a group is a heading shown before
 * its first line, so a group with nothing to say prints nothing.
 */
export class ConsoleHost extends RecordingHost {
  private pendingHeading: string | undefined;
  private readonly write: (line: string) => void;

  constructor(private readonly options: ConsoleHostOptions = {}) {
    super(UPLOADS_UNSUPPORTED);
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
  }

  override info(message: string): void {
    super.info(message);
    if (!this.options.quiet) this.print(this.mask(message));
  }

  override debug(message: string): void {
    super.debug(message);
    if (this.options.debug) this.print(`debug: ${this.mask(message)}`);
  }

  override warn(message: string, at?: AnnotationTarget): void {
    super.warn(message, at);
    this.print(`warning: ${this.mask(message)}`);
  }

  override error(message: string, at?: AnnotationTarget): void {
    super.error(message, at);
    this.print(`error: ${this.mask(message)}`);
  }

  override addSummary(markdown: string): void {
    super.addSummary(markdown);
    const path = this.options.summaryPath;
    if (path === undefined) return;
    try {
      appendFileSync(path, this.mask(markdown));
    } catch {
      throw new CliError('OUTPUT_FAILED', `cannot write the summary to ${path}`);
    }
  }

  wantsSummary(): boolean {
    return this.options.summaryPath !== undefined;
  }

  protected override enterGroup(name: string): void {
    this.pendingHeading = name;
  }

  private print(line: string): void {
    if (this.pendingHeading !== undefined && !this.options.quiet) this.write(`== ${this.pendingHeading} ==`);
    this.pendingHeading = undefined;
    this.write(line);
  }
}
