import type { CommandSpec, ParsedArgs } from '../args.js';
import type { Host } from '@countersign/steps';

export interface CommandContext {
  /** Results (the only thing written to standard output). */
  print(text: string): void;
  /** Progress and warnings, on standard error. */
  host: Host;
  json: boolean;
}

export interface Command extends CommandSpec {
  /** Returns the exit code: 0 success, 1 verification failed; usage and input errors are thrown. */
  run(args: ParsedArgs, context: CommandContext): Promise<number>;
}

export const JSON_OPTION = { json: { type: 'boolean' } } as const;

export function printJson(context: CommandContext, value: unknown): void {
  context.print(JSON.stringify(value, null, 2));
}
