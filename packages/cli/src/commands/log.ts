import { logStatements, readPolicyFile } from '@countersign/steps';
import { requiredOption, stringOption, usage } from '../args.js';
import { SERVICE_OPTIONS, SERVICE_OPTIONS_HELP, serviceClientFromArgs } from '../transparency/client-from-args.js';
import { JSON_OPTION, printJson, type Command } from './command.js';

export function timeoutMs(command: Command, value: string | undefined, fallbackSeconds: number): number {
  if (value === undefined) return fallbackSeconds * 1000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw usage(command, '--timeout must be a positive number of seconds');
  return seconds * 1000;
}

export const logCommand: Command = {
  name: 'log',
  summary: 'register signed statements with a transparency service and keep the receipts',
  help: `Usage: countersign log STATEMENT.cose... --service URL [--out DIR] [--timeout SECONDS] [--no-local-check] [--concurrency N]
                       [--trust trust.json] [--service-identity FILE | --service-identity-url URL]
                       [--azure-credential C [--token-scope SCOPE]] [--api-version V] [--json]

Registers each statement with the SCRAPI service at URL (the embedded ledger, Microsoft Signing
Transparency, or any other), several at a time, following whichever answer the service gives
(201 with the receipt, 303 to the entry, or 202 with an operation to poll), honouring Retry-After
and retrying overload and dropped connections a bounded number of times. Each statement is
rewritten as a transparent statement (receipt in header 394), or written to DIR.
Statements that Microsoft's registration policy would refuse are refused here first, with the same
reason, unless --no-local-check is given (for services with other policies).
The bearer token in COUNTERSIGN_TOKEN, if set, is sent only to the origin of --service (never
to another host a Location or redirect names), and only over https or to a loopback address; a
token with a plain-http service elsewhere is refused (exit 2). Two statements whose outputs would
land on one file are refused before anything is registered (exit 2); one named twice is logged once.
  --trust    a trust policy whose entry for --service holds its service identity (trust add-service
             --url stores it), pinned without a fetch
  --concurrency  registrations in flight at once (default 4, 1 to 256); a service that batches
             (the embedded ledger, MST) then signs one tree head for more of them
${SERVICE_OPTIONS_HELP}
A TLS certificate the client does not trust stops the run at once, without retrying (exit 2).
Exit codes: 0 all logged, 1 a registration was refused or failed, 2 wrong usage or unreadable input.`,
  options: { service: { type: 'string' }, out: { type: 'string' }, timeout: { type: 'string' }, 'no-local-check': { type: 'boolean' }, trust: { type: 'string' }, concurrency: { type: 'string' }, ...SERVICE_OPTIONS, ...JSON_OPTION },
  positionals: { min: 1, max: Infinity, name: 'STATEMENT.cose' },
  async run(args, context) {
    const concurrencyText = stringOption(args, 'concurrency');
    const concurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)) throw usage(this, '--concurrency must be a whole number from 1 to 256');
    const trustPath = stringOption(args, 'trust');
    const { client: service } = await serviceClientFromArgs(this, args, context.host, {
      url: requiredOption(this, args, 'service'),
      timeoutMs: timeoutMs(this, stringOption(args, 'timeout'), 120),
      policy: trustPath ? await readPolicyFile(trustPath) : undefined,
    });
    let results;
    try {
      results = await logStatements({ statements: args.positionals, service, outDir: stringOption(args, 'out'), localCheck: args.values['no-local-check'] !== true, concurrency }, context.host);
    } finally {
      service.close();
    }
    if (context.json) printJson(context, results);
    else for (const result of results) context.print(result.ok ? `${result.entryId}  ${result.statement}` : `REFUSED  ${result.statement}: ${result.reason}`);
    return results.every((result) => result.ok) ? 0 : 1;
  },
};
