import { basename, join } from 'node:path';
import { admitStatement, DEFAULT_MAX_STATEMENT_BYTES, embedReceipts, isCountersignError, type TransparencyService } from '@countersign/core';
import { StepError } from '../errors.js';
import type { Host } from '../host.js';
import { readInputSync, writeOutput } from '../io/files.js';
import { planOutputs } from '../io/output-plan.js';

export interface LogStepInput {
  statements: string[];
  service: TransparencyService;
  /**
   * Refuse here, with the service's own reasons, what Microsoft's registration policy refuses
   * (untagged, over 1 MiB, no iss or sub, nil or empty payload, unknown crit, kid-only, a did:x509
   * that does not resolve, a signature that does not verify), so nothing doomed is sent. Default on.
   */
  localCheck?: boolean;
  /** Where transparent statements go; each statement file is rewritten in place when absent. */
  outDir?: string;
  /** Registrations in flight at once. */
  concurrency?: number;
  /** Upload the transparent statements under this artifact name once all are logged; nothing is uploaded when absent. */
  uploadArtifact?: string;
}

export type LoggedStatement =
  | { statement: string; ok: true; entryId: string; output: string }
  | { statement: string; ok: false; reason: string; code: string };

/** Where the transparent statement of `path` goes: over the statement itself, or in `outDir` under the same name. */
export function transparentStatementPathOf(path: string, outDir?: string): string {
  return outDir ? join(outDir, basename(path)) : path;
}

/** Registers each statement, follows the service to its receipt and writes the transparent statement (receipt in 394). */
export async function logStatements(input: LogStepInput, host: Host): Promise<LoggedStatement[]> {
  // Outputs that would replace one another, and unreadable files, are the caller's mistake: both stop the step before anything is registered.
  const plan = await planOutputs(input.statements, (path) => transparentStatementPathOf(path, input.outDir), { input: 'statement', output: 'transparent statement' });
  for (const { input: path, sameAs } of plan.repeated) host.warn(`${path} is named more than once (as ${sameAs}); registering it once`, { file: path });
  // One at a time and on this thread: read all at once, a release of thousands would hold a descriptor
  // for each (EMFILE under macOS's default limit of 256), and small files read faster without the pool.
  const statements = plan.planned.map(({ input: path, output }) => ({ path, output, bytes: readInputSync(path, 'statement', 16 * 1024 * 1024) }));
  const results: LoggedStatement[] = new Array(statements.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < statements.length) {
      const position = next++;
      const { path, output, bytes } = statements[position] as { path: string; output: string; bytes: Uint8Array };
      try {
        if (input.localCheck !== false) admitStatement(bytes, { maxStatementBytes: DEFAULT_MAX_STATEMENT_BYTES });
        const { entryId, receipt } = await input.service.register(bytes);
        await writeOutput(output, embedReceipts(bytes, [receipt]));
        host.info(`logged ${path} as entry ${entryId} in ${input.service.name}`);
        results[position] = { statement: path, ok: true, entryId, output };
      } catch (error) {
        if (!isCountersignError(error) || error.area === 'step') throw error;
        // An untrusted TLS certificate fails every statement alike: one reason, for the whole run.
        if (error.code === 'TS_TLS') throw error;
        const reason = error.area === 'registration' ? `refused before sending (the service would refuse it too): ${error.message}` : error.message;
        host.error(`${path}: ${reason}`, { file: path });
        results[position] = { statement: path, ok: false, reason, code: error.code };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency ?? 4, statements.length)) }, worker));
  host.setOutput('entry-ids', results.map((result) => (result.ok ? result.entryId : '')).join('\n'));
  host.setOutput('transparent-statement-paths', results.map((result) => (result.ok ? result.output : '')).join('\n'));
  const logged = results.flatMap((result) => (result.ok ? [result.output] : []));
  if (input.uploadArtifact && logged.length > 0) {
    const upload = await host.uploadArtifact(input.uploadArtifact, logged);
    if (upload.uploaded) host.info(`uploaded ${logged.length} transparent statement(s) as ${input.uploadArtifact}`);
  }
  return results;
}

/** The failure a run with refused statements ends in, for front ends that fail the run on it; undefined when all were logged. */
export function registrationFailure(results: readonly LoggedStatement[]): StepError | undefined {
  const refused = results.filter((result) => !result.ok);
  if (refused.length === 0) return undefined;
  return new StepError('STEP_REGISTRATION_FAILED', `${refused.length} of ${results.length} statement(s) were not logged: ${refused.map((result) => result.statement).join(', ')}`);
}
