import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task.js';
import type { AnnotationTarget, Host, UploadOutcome } from '@countersign/steps';
import { outputVariableName } from './output-names.js';

/**
 * A Host on azure-pipelines-task-lib: messages become logging commands the agent turns into issues,
 * collapsible sections and variables. Secrets are marked for the agent and masked here as well, so a
 * value is never printed even before the agent has learnt it is secret.
 */
export class PipelinesHost implements Host {
  private readonly secrets = new Set<string>();
  private readonly summaries: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  info(message: string): void {
    console.log(this.mask(message));
  }

  debug(message: string): void {
    tl.debug(this.mask(message));
  }

  warn(message: string, at?: AnnotationTarget): void {
    this.issue(tl.IssueType.Warning, message, at);
  }

  error(message: string, at?: AnnotationTarget): void {
    this.issue(tl.IssueType.Error, message, at);
  }

  async group<T>(name: string, work: () => Promise<T>): Promise<T> {
    console.log(`##[group]${this.mask(name)}`);
    try {
      return await work();
    } finally {
      console.log('##[endgroup]');
    }
  }

  /** Azure DevOps variable names take letters, digits, `.` and `_` only: `statement-paths` is set as `statementPaths`. */
  setOutput(name: string, value: string): void {
    tl.setVariable(outputVariableName(name), this.mask(value), false, true);
  }

  addSummary(markdown: string): void {
    this.summaries.push(this.mask(markdown));
  }

  setSecret(value: string): void {
    if (!value || this.secrets.has(value)) return;
    this.secrets.add(value);
    tl.setSecret(value);
  }

  /** Artifacts go through the agent's file container; outside an agent there is none, and the step is told why. */
  async uploadArtifact(name: string, files: readonly string[]): Promise<UploadOutcome> {
    if (!this.env.AGENT_VERSION) return { uploaded: false, reason: 'not running on an Azure Pipelines agent (AGENT_VERSION is not set)' };
    // One folder per artifact: the agent uploads a folder whole, keeping each file's name.
    const folder = await mkdtemp(join(this.tempDir(), `countersign-artifact-`));
    await Promise.all(files.map((file) => copyFile(file, join(folder, basename(file)))));
    tl.uploadArtifact(name, folder, name);
    return { uploaded: true };
  }

  /** Attaches the summary gathered during the run to the run's Extensions tab; called once, when the task ends. */
  async publishSummary(title: string): Promise<void> {
    if (this.summaries.length === 0) return;
    const dir = await mkdtemp(join(this.tempDir(), 'countersign-summary-'));
    const path = join(dir, `${title}.md`);
    await writeFile(path, this.summaries.join('\n\n'));
    tl.uploadSummary(path);
  }

  private issue(type: tl.IssueType, message: string, at: AnnotationTarget | undefined): void {
    // The check goes in the issue's code, so the failed check shows beside the file in the run's issue list.
    tl.logIssue(type, this.mask(message), at?.file, undefined, undefined, at?.check);
  }

  private tempDir(): string {
    return tl.getVariable('Agent.TempDirectory') || tmpdir();
  }

  /** Text with every secret replaced, for what is printed outside the host (the failed result). */
  masked(text: string): string {
    return this.mask(text);
  }

  private mask(text: string): string {
    let masked = text;
    for (const secret of this.secrets) masked = masked.split(secret).join('***');
    return masked;
  }
}
