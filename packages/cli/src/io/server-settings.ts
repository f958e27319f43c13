import { resolveServerLimits, parsePublicUrl, ServerConfigError, type RegistrationStyle, type ServerLimits } from '@countersign/ledger';
import { stringOption, usage, type ParsedArgs } from '../args.js';
import type { Command } from '../commands/command.js';

export const STYLES: readonly RegistrationStyle[] = ['sync', 'redirect', 'operation'];

export function port(command: Command, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw usage(command, '--port must be 0 to 65535');
  return value;
}

const MAX_TIMEOUT_SECONDS = 86_400;
const SECONDS = /^[0-9]+(\.[0-9]{1,3})?$/;

/** A timeout flag in seconds (decimals to the millisecond), as milliseconds. */
function timeoutMs(command: Command, args: ParsedArgs, name: string): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const ms = SECONDS.test(text) ? Math.round(Number(text) * 1000) : NaN;
  if (!(ms >= 1 && ms <= MAX_TIMEOUT_SECONDS * 1000)) throw usage(command, `--${name} must be a number of seconds from 0.001 to ${MAX_TIMEOUT_SECONDS}`);
  return ms;
}

function count(command: Command, args: ParsedArgs, name: string): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const value = /^[0-9]{1,15}$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1)) throw usage(command, `--${name} must be a positive integer`);
  return value;
}

/** The server's limits and public URL from the flags, checked before the ledger is opened. */
export function serverSettings(command: Command, args: ParsedArgs, maxStatementBytes: number): { limits: ServerLimits; publicUrl: string | undefined } {
  const given: Partial<ServerLimits> = {
    headersTimeoutMs: timeoutMs(command, args, 'headers-timeout'),
    requestTimeoutMs: timeoutMs(command, args, 'request-timeout'),
    keepAliveTimeoutMs: timeoutMs(command, args, 'keep-alive-timeout'),
    bodyTimeoutMs: timeoutMs(command, args, 'body-timeout'),
    maxConnections: count(command, args, 'max-connections'),
    maxPendingBodyBytes: count(command, args, 'max-pending-bytes'),
  };
  const publicUrlText = stringOption(args, 'public-url');
  try {
    return { limits: resolveServerLimits(given, maxStatementBytes), publicUrl: publicUrlText === undefined ? undefined : parsePublicUrl(publicUrlText) };
  } catch (error) {
    if (error instanceof ServerConfigError) throw usage(command, error.message);
    throw error;
  }
}
