import { realpath } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { StepError } from '../errors.js';

export interface PlannedOutput {
  input: string;
  output: string;
}

export interface OutputPlan {
  /** Each input once, in the order first named, with the file its result goes to. */
  planned: PlannedOutput[];
  /** Inputs named again (under the same or another spelling of the path), dropped from `planned`. */
  repeated: Array<{ input: string; sameAs: string }>;
}

/**
 * Decides where every input's result goes before any work is done, and refuses a plan in which one
 * result would replace another result or another input: a batch that writes two statements to one
 * file loses the first one without a word. An input written back to itself (log without an output directory) is
 * its own business, not a collision.
 *
 * Paths are compared by the real path of their directory plus their own name, so `a/x`, `./a/x` and
 * `link-to-a/x` are one file, while a symlink with a name of its own stays a separate input (it is
 * signed under its own name).
 */
export async function planOutputs(inputs: readonly string[], outputOf: (input: string) => string, role: { input: string; output: string }): Promise<OutputPlan> {
  const planned: Array<PlannedOutput & { inputId: string; outputId: string }> = [];
  const repeated: OutputPlan['repeated'] = [];
  const byInputId = new Map<string, string>();
  // A release names thousands of files in a few directories: each directory is resolved once per plan.
  const realDirectories = new Map<string, Promise<string>>();
  const identity = async (path: string): Promise<string> => {
    const absolute = resolve(path);
    const directory = dirname(absolute);
    let real = realDirectories.get(directory);
    if (real === undefined) {
      // A directory that does not exist yet (an output directory to be created) has no other name.
      real = realpath(directory).catch(() => directory);
      realDirectories.set(directory, real);
    }
    return resolve(await real, basename(absolute));
  };
  for (const input of inputs) {
    const inputId = await identity(input);
    const first = byInputId.get(inputId);
    if (first !== undefined) {
      repeated.push({ input, sameAs: first });
      continue;
    }
    byInputId.set(inputId, input);
    const output = outputOf(input);
    planned.push({ input, output, inputId, outputId: await identity(output) });
  }
  const byOutputId = new Map<string, string>();
  for (const { input, output, outputId } of planned) {
    const earlier = byOutputId.get(outputId);
    if (earlier !== undefined) throw new StepError('STEP_USAGE', `${role.input}s ${earlier} and ${input} would both be written to ${output}; give them different names or output directories`, { input: 'outputDir' });
    byOutputId.set(outputId, input);
  }
  for (const { input, output, inputId, outputId } of planned) {
    const overwritten = byInputId.get(outputId);
    if (overwritten !== undefined && outputId !== inputId) {
      throw new StepError('STEP_USAGE', `the ${role.output} of ${role.input} ${input} would be written over ${role.input} ${overwritten} (${output})`, { input: 'outputDir' });
    }
  }
  return { planned: planned.map(({ input, output }) => ({ input, output })), repeated };
}
