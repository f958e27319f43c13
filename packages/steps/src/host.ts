/**
 * What a step needs from whatever runs it: the CLI, a GitHub Action or an Azure DevOps task. Steps
 * are written once against this and never touch process.stdout, @actions/core or the task library:
 * everything a step reports goes through here.
 */
export interface Host {
  /** Progress for people; quiet hosts may drop it. */
  info(message: string): void;
  /** Detail for whoever is debugging the run; most hosts show it only when asked to. */
  debug(message: string): void;
  /** Something worth a look that does not fail the step; with `at`, an annotation on that file. */
  warn(message: string, at?: AnnotationTarget): void;
  /** A failure (the step's result will say so too); with `at`, an annotation on that file and check. */
  error(message: string, at?: AnnotationTarget): void;
  /** Runs `work` with its log lines gathered under `name` (a collapsible group, a heading). */
  group<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** A named result for the next step (GitHub output, Azure DevOps variable, or a --json field). */
  setOutput(name: string, value: string): void;
  /** Markdown for the run's summary page. */
  addSummary(markdown: string): void;
  /**
   * Whether a summary goes anywhere; when false a step skips building one (a summary of thousands of
   * verdicts costs more than verifying some of them). Hosts without it always take summaries.
   */
  wantsSummary?(): boolean;
  /** A value that must never appear in logs or outputs. */
  setSecret(value: string): void;
  /** Keeps files with the run (a workflow artifact); a host without a place for them says so and the step goes on. */
  uploadArtifact(name: string, files: readonly string[]): Promise<UploadOutcome>;
}

/** Where an annotation points: the file it is about and, for a verdict, the check that failed. */
export interface AnnotationTarget {
  file?: string;
  check?: string;
}

export type UploadOutcome = { uploaded: true; id?: string } | { uploaded: false; reason: string };

export type HostMessage =
  | { level: 'info' | 'debug'; message: string; group?: string }
  | { level: 'warn' | 'error'; message: string; group?: string; at?: AnnotationTarget };

/**
 * A host that records everything: used by tests and as the base of hosts that also print. Secrets
 * are masked in what it records, messages and outputs alike, as a CI host masks them in its log.
 */
export class RecordingHost implements Host {
  readonly messages: HostMessage[] = [];
  readonly outputs: Record<string, string> = {};
  readonly summaries: string[] = [];
  readonly uploads: Array<{ name: string; files: string[] }> = [];
  /** Group names as entered, nested ones as "outer / inner". */
  readonly groups: string[] = [];
  private readonly secrets = new Set<string>();
  private readonly openGroups: string[] = [];

  /** Given a reason, uploads are refused with it, as by a host with no artifact store; otherwise they are recorded. */
  constructor(private readonly uploadsRefusedBecause?: string) {}

  info(message: string): void {
    this.record({ level: 'info', message: this.mask(message) });
  }

  debug(message: string): void {
    this.record({ level: 'debug', message: this.mask(message) });
  }

  warn(message: string, at?: AnnotationTarget): void {
    this.record({ level: 'warn', message: this.mask(message), ...(at ? { at } : {}) });
  }

  error(message: string, at?: AnnotationTarget): void {
    this.record({ level: 'error', message: this.mask(message), ...(at ? { at } : {}) });
  }

  async group<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.openGroups.push(name);
    this.groups.push(this.openGroups.join(' / '));
    this.enterGroup(name);
    try {
      return await work();
    } finally {
      this.openGroups.pop();
    }
  }

  setOutput(name: string, value: string): void {
    this.outputs[name] = this.mask(value);
  }

  addSummary(markdown: string): void {
    this.summaries.push(this.mask(markdown));
  }

  setSecret(value: string): void {
    if (value) this.secrets.add(value);
  }

  async uploadArtifact(name: string, files: readonly string[]): Promise<UploadOutcome> {
    if (this.uploadsRefusedBecause !== undefined) {
      this.info(`not uploading ${name}: ${this.uploadsRefusedBecause}`);
      return { uploaded: false, reason: this.uploadsRefusedBecause };
    }
    this.uploads.push({ name, files: [...files] });
    return { uploaded: true };
  }

  /** Messages at one level, for assertions. */
  at(level: HostMessage['level']): string[] {
    return this.messages.filter((entry) => entry.level === level).map((entry) => entry.message);
  }

  /** Called as a group opens, so that a printing host can show its heading. */
  protected enterGroup(_name: string): void {}

  protected mask(message: string): string {
    let masked = message;
    for (const secret of this.secrets) masked = masked.split(secret).join('***');
    return masked;
  }

  private record(entry: HostMessage): void {
    const group = this.openGroups.at(-1);
    this.messages.push(group === undefined ? entry : { ...entry, group });
  }
}
