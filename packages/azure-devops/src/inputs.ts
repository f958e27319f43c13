import { resolve } from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task.js';
import { TaskError } from './errors.js';

/**
 * Reading task inputs. The agent passes each input as INPUT_<NAME>; every read goes through these,
 * with the input's name written out in the entry, so a test can compare what an entry reads with
 * what its task.json declares.
 */

/** An input's value, trimmed; undefined when empty. */
export function text(name: string): string | undefined {
  return tl.getInput(name, false)?.trim() || undefined;
}

export function required(name: string): string {
  const value = text(name);
  if (value === undefined) throw new TaskError('TASK_INPUT_REQUIRED', name, 'is required');
  return value;
}

/** A boolean input; anything but true or false is refused, where the task lib would read it as false. */
export function flag(name: string): boolean {
  const value = text(name)?.toLowerCase();
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new TaskError('TASK_INPUT_INVALID', name, `must be true or false, not "${value}"`);
}

/** A multi-line input: one value a line, blank lines dropped. */
export function lines(name: string): string[] {
  return tl.getDelimitedInput(name, '\n', false).map((line) => line.trim()).filter((line) => line.length > 0);
}

export function choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = text(name) ?? fallback;
  const known = allowed.find((candidate) => candidate === value);
  if (known === undefined) throw new TaskError('TASK_INPUT_INVALID', name, `must be one of ${allowed.join(', ')}, not "${value}"`);
  return known;
}

export function positiveNumber(name: string, fallback: number): number {
  const value = text(name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new TaskError('TASK_INPUT_INVALID', name, `must be a positive number, not "${value}"`);
  return parsed;
}

/**
 * The files a multi-line glob input names, matched from the pipeline's working directory (as other
 * tasks match), in the order given. A pattern that matches nothing is an error: a release that signs
 * or checks fewer files than the pipeline says must not pass.
 */
export function files(name: string): string[] {
  const root = tl.getVariable('System.DefaultWorkingDirectory') || process.cwd();
  const patterns = lines(name);
  if (patterns.length === 0) throw new TaskError('TASK_INPUT_REQUIRED', name, 'is required');
  const found: string[] = [];
  for (const pattern of patterns) {
    const matches = tl.findMatch(root, pattern).filter((path) => tl.stats(path).isFile());
    if (matches.length === 0) throw new TaskError('TASK_NO_MATCH', name, `no file matches ${pattern} (under ${root})`);
    found.push(...matches.map((path) => resolve(path)));
  }
  return [...new Set(found)];
}
