import * as core from '@actions/core';
import { expandStatementGlob } from '@countersign/steps';
import { ActionError } from './errors.js';

/** An input as the workflow gave it, trimmed; undefined when empty (an action.yml default of '' included). */
export function optional(name: string): string | undefined {
  return core.getInput(name) || undefined;
}

export function required(name: string): string {
  const value = optional(name);
  if (value === undefined) throw new ActionError('ACTION_INPUT_REQUIRED', name, 'is required');
  return value;
}

/** A multi-line input: one value a line, blank lines and # comments dropped. */
export function lines(name: string): string[] {
  return core.getMultilineInput(name).filter((line) => !line.startsWith('#'));
}

/** YAML's spellings of true and false, as @actions/core accepts them, with the input named when it is neither. */
export function flag(name: string): boolean {
  const value = optional(name);
  if (value === undefined) return false;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new ActionError('ACTION_INPUT_INVALID', name, `"${value}" is not a boolean (true or false)`);
}

export function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = optional(name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new ActionError('ACTION_INPUT_INVALID', name, `"${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

export function positiveNumber(name: string, fallback: number): number {
  const text = optional(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new ActionError('ACTION_INPUT_INVALID', name, `"${text}" is not a positive number`);
  return value;
}

/** One pattern a line (wildcards in the file name); a pattern that matches nothing fails the step rather than signing or checking less. */
export async function globs(name: string, what: string): Promise<string[]> {
  const patterns = core.getMultilineInput(name).filter((line) => !line.startsWith('#'));
  const files: string[] = [];
  for (const pattern of patterns) files.push(...(/[*?]/.test(pattern) ? await expandStatementGlob(pattern, what) : [pattern]));
  return [...new Set(files)];
}
