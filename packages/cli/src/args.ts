import { parseArgs } from 'node:util';
import { CliError } from './errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
}

export interface CommandSpec {
  /** As typed: "verify", "trust add-issuer". */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full --help text, usage line first. */
  help: string;
  options: Record<string, OptionSpec>;
  positionals: { min: number; max: number; name: string };
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  help: boolean;
}

/** Parses a command's arguments strictly; any mistake is a one-line USAGE error pointing at --help. */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw usage(spec, parseFailure((error as Error).message));
  }
  const help = parsed.values.help === true;
  if (!help) {
    const count = parsed.positionals.length;
    if (count < spec.positionals.min) throw usage(spec, `missing ${spec.positionals.name}`);
    if (count > spec.positionals.max) throw usage(spec, `unexpected argument "${parsed.positionals[spec.positionals.max]}"`);
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals, help };
}

/** node's parser explains itself over several sentences and lines: the first sentence, or ours. */
function parseFailure(message: string): string {
  // A value that starts with a dash looks like the next option to it ("--seal-interval -1").
  const ambiguous = /^Option '([^']*)' argument is ambiguous/.exec(message);
  if (ambiguous) {
    const long = /use '(--[^=']+)=/.exec(message)?.[1] ?? ambiguous[1];
    return `${ambiguous[1]} needs a value (one that starts with a dash is written ${long}=VALUE)`;
  }
  return message.split(/\.(?:\s|$)/)[0] || 'invalid arguments';
}

export function usage(spec: Pick<CommandSpec, 'name'>, reason: string): CliError {
  return new CliError('USAGE', `${reason} (see: countersign ${spec.name} --help)`);
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredOption(spec: CommandSpec, args: ParsedArgs, name: string): string {
  const value = stringOption(args, name);
  if (value === undefined || value === '') throw usage(spec, `--${name} is required`);
  return value;
}

export function listOption(args: ParsedArgs, name: string): string[] {
  const value = args.values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
