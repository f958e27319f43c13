import * as core from '@actions/core';
import type { AnnotationTarget, Host, UploadOutcome } from '@countersign/steps';

/** The variables the artifact service needs; a runner without them (act, a self-made container) has no place for files. */
const ARTIFACT_RUNTIME = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'] as const;

function annotation(at: AnnotationTarget | undefined): core.AnnotationProperties | undefined {
  if (!at) return undefined;
  return { ...(at.file ? { file: at.file } : {}), ...(at.check ? { title: `countersign: ${at.check}` } : {}) };
}

/**
 * The steps' Host on @actions/core: workflow commands for messages and annotations, GITHUB_OUTPUT
 * for outputs, the job summary, masking, and workflow artifacts through @actions/artifact.
 */
export class ActionsHost implements Host {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  info(message: string): void {
    core.info(message);
  }

  debug(message: string): void {
    core.debug(message);
  }

  warn(message: string, at?: AnnotationTarget): void {
    core.warning(message, annotation(at));
  }

  error(message: string, at?: AnnotationTarget): void {
    core.error(message, annotation(at));
  }

  group<T>(name: string, work: () => Promise<T>): Promise<T> {
    return core.group(name, work);
  }

  setOutput(name: string, value: string): void {
    core.setOutput(name, value);
  }

  addSummary(markdown: string): void {
    // Without GITHUB_STEP_SUMMARY (a local run) there is no page to write; the log already has it all.
    if (!this.env.GITHUB_STEP_SUMMARY) return;
    summaryWrites = summaryWrites.then(() => core.summary.addRaw(markdown, true).write());
  }

  wantsSummary(): boolean {
    return Boolean(this.env.GITHUB_STEP_SUMMARY);
  }

  setSecret(value: string): void {
    if (value) core.setSecret(value);
  }

  async uploadArtifact(name: string, files: readonly string[]): Promise<UploadOutcome> {
    const missing = ARTIFACT_RUNTIME.filter((variable) => !this.env[variable]);
    if (missing.length) {
      const reason = `the artifact runtime is absent (${missing.join(', ')} not set)`;
      core.notice(`not uploading ${name}: ${reason}`);
      return { uploaded: false, reason };
    }
    // Loaded here: the artifact client and its dependencies are most of a bundle, and most runs never upload.
    const { DefaultArtifactClient } = await import('@actions/artifact');
    const response = await new DefaultArtifactClient().uploadArtifact(name, [...files], process.cwd());
    core.info(`uploaded ${files.length} file(s) as ${name}`);
    return { uploaded: true, ...(response.id === undefined ? {} : { id: String(response.id) }) };
  }
}

// core.summary is one shared buffer: writes go one after another so that no table is cut into another.
let summaryWrites: Promise<unknown> = Promise.resolve();

/** Summary writes are asynchronous in @actions/core; the run waits for them before it ends. */
export async function flushSummaries(): Promise<void> {
  await summaryWrites;
}
