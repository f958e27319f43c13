import { isCountersignError } from '@countersign/core';
import { parseCommandArgs } from './args.js';
import type { Command } from './commands/command.js';
import { devKeyVaultCommand } from './commands/dev-key-vault.js';
import { digestCommand } from './commands/digest.js';
import { inspectCommand } from './commands/inspect.js';
import { keygenCommand } from './commands/keygen.js';
import { releaseCommand } from './commands/release.js';
import { rotateKeyCommand } from './commands/rotate-key.js';
import { signCommand } from './commands/sign.js';
import { ledgerConsistencyCommand, ledgerTreeHeadCommand } from './commands/ledger.js';
import { logCommand } from './commands/log.js';
import { monitorCommand } from './commands/monitor.js';
import { entriesCommand } from './commands/entries.js';
import { serveCommand } from './commands/serve.js';
import { trustAddIssuerCommand } from './commands/trust-add-issuer.js';
import { trustAddServiceCommand } from './commands/trust-add-service.js';
import { trustInitCommand } from './commands/trust-init.js';
import { verifyCommand } from './commands/verify.js';
import { CliError, ExitCode, exitCodeOf, messageOf } from './errors.js';
import { ConsoleHost } from './console-host.js';

export const COMMANDS: readonly Command[] = [
  releaseCommand,
  keygenCommand,
  digestCommand,
  signCommand,
  logCommand,
  verifyCommand,
  inspectCommand,
  rotateKeyCommand,
  trustInitCommand,
  trustAddIssuerCommand,
  trustAddServiceCommand,
  serveCommand,
  ledgerTreeHeadCommand,
  ledgerConsistencyCommand,
  monitorCommand,
  entriesCommand,
  devKeyVaultCommand,
];

const VERSION = '0.1.0';

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'countersign: sign release artifacts as SCITT signed statements, log them, and refuse what does not verify.',
    '',
    'Usage: countersign <command> [options]      countersign <command> --help',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Exit codes: 0 success or verified, 1 verification failed, 2 wrong usage or unreadable input.',
  ].join('\n');
}

/** Finds the command named by the first one or two words. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const two = `${argv[0]} ${argv[1]}`;
  const byTwo = COMMANDS.find((command) => command.name === two);
  if (byTwo) return { command: byTwo, rest: argv.slice(2) };
  const byOne = COMMANDS.find((command) => command.name === argv[0]);
  return byOne ? { command: byOne, rest: argv.slice(1) } : undefined;
}

export interface MainIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: MainIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

/** Runs one countersign invocation and returns its exit code; never throws for expected failures. */
export async function main(argv: string[], io: MainIo = processIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(overview());
    return argv.length === 0 ? ExitCode.USAGE_OR_INPUT : ExitCode.OK;
  }
  if (argv[0] === '--version') {
    io.stdout(VERSION);
    return ExitCode.OK;
  }
  let commandName: string | undefined;
  try {
    const found = findCommand(argv);
    if (!found) {
      const group = COMMANDS.filter((command) => command.name.startsWith(`${argv[0]} `));
      const hint = group.length ? `; try ${group.map((command) => `"${command.name}"`).join(' or ')}` : '; see countersign --help';
      throw new CliError('USAGE', `unknown command "${argv.slice(0, group.length ? 2 : 1).join(' ')}"${hint}`);
    }
    const { command, rest } = found;
    commandName = command.name;
    const args = parseCommandArgs(command, rest);
    if (args.help) {
      io.stdout(command.help);
      return ExitCode.OK;
    }
    const json = args.values.json === true;
    const summaryPath = typeof args.values.summary === 'string' ? args.values.summary : undefined;
    const host = new ConsoleHost({ quiet: json, debug: Boolean(process.env.COUNTERSIGN_DEBUG), summaryPath });
    return await command.run(args, { print: io.stdout, host, json });
  } catch (error) {
    if (isCountersignError(error)) {
      io.stderr(`countersign: ${messageOf(error, commandName)}`);
      return exitCodeOf(error);
    }
    io.stderr(`countersign: internal error: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.COUNTERSIGN_DEBUG && error instanceof Error) io.stderr(error.stack ?? '');
    return ExitCode.INTERNAL;
  }
}
