import { join } from 'node:path';
import { createLedgerServer, DEFAULT_MAX_STATEMENT_BYTES, TransparencyLedger, type RegistrationStyle } from '@countersign/ledger';
import { stringOption, usage } from '../args.js';
import { readPolicyFile } from '../io/policy-file.js';
import { defaultLedgerIssuer, defaultServiceKeyPath, serviceKeyAt } from '../io/service-key.js';
import { localSignerFromFile } from '../io/signer-from-file.js';
import { CliError } from '../errors.js';
import type { Command } from './command.js';

const STYLES: readonly RegistrationStyle[] = ['sync', 'redirect', 'operation'];

function port(command: Command, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw usage(command, '--port must be 0 to 65535');
  return value;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the embedded transparency service (SCRAPI over HTTP)',
  help: `Usage: countersign serve [--data DIR] [--host 127.0.0.1] [--port 8000] [--key KEY.pem] [--issuer NAME]
                        [--policy trust.json] [--registration sync|redirect|operation]
                        [--max-statement-bytes N]

Serves a durable append-only ledger over HTTP with the SCRAPI endpoints Microsoft's service serves:
  GET  /.well-known/transparency-configuration   GET /jwks   GET /.well-known/scitt-keys
  POST /entries   GET /operations/{id}   GET /entries/{id}   GET /entries/{id}/statement
and two of its own: GET /log/tree-head (the signed current tree head, a COSE_Sign1 with the root
attached and the tree size signed in header -65537) and GET /log/consistency?from=M[&to=N] (a
consistency receipt). Registrations are written in fsync'd batches and acknowledged only after.
  --data           the ledger directory (default .countersign/ledger); one server per directory
  --key            the service key (default DIR-service-key.pem beside DIR, created on first use)
  --issuer         the CWT issuer of receipts (default: a name derived from the service key)
  --policy         only the policy's issuers may register; without it, a statement must verify
                   with its own x5chain (and resolve its did:x509 issuer)
  --registration   how POST /entries answers: sync (201), redirect (303) or operation (202)
The first line on standard output is "listening on <URL>". --port 0 picks a free port.`,
  options: {
    data: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    key: { type: 'string' },
    issuer: { type: 'string' },
    policy: { type: 'string' },
    registration: { type: 'string' },
    'max-statement-bytes': { type: 'string' },
  },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const dir = stringOption(args, 'data') ?? join('.countersign', 'ledger');
    const registration = (stringOption(args, 'registration') ?? 'sync') as RegistrationStyle;
    if (!STYLES.includes(registration)) throw usage(this, `--registration must be one of ${STYLES.join(', ')}`);
    const maxStatementBytes = Number(stringOption(args, 'max-statement-bytes') ?? DEFAULT_MAX_STATEMENT_BYTES);
    if (!Number.isInteger(maxStatementBytes) || maxStatementBytes < 1) throw usage(this, '--max-statement-bytes must be a positive integer');
    const keyPath = stringOption(args, 'key');
    const serviceKey = keyPath ? await localSignerFromFile(keyPath) : (await serviceKeyAt(defaultServiceKeyPath(dir))).signer;
    const policyPath = stringOption(args, 'policy');
    const ledger = await TransparencyLedger.open({
      dir,
      serviceKey,
      issuer: stringOption(args, 'issuer') ?? defaultLedgerIssuer(serviceKey),
      trust: policyPath ? await readPolicyFile(policyPath) : undefined,
      maxStatementBytes,
    });
    const server = createLedgerServer({
      ledger,
      registration,
      maxBodyBytes: maxStatementBytes,
      onInternalError: (error) => context.host.warn(`internal error: ${error instanceof Error ? error.message : String(error)}`),
    });
    const host = stringOption(args, 'host') ?? '127.0.0.1';
    const listenPort = port(this, stringOption(args, 'port') ?? '8000');
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listenPort, host, () => resolve());
      });
    } catch (error) {
      await ledger.close();
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'needs privileges' : `cannot be used (${code ?? 'unknown error'})`;
      throw new CliError('USAGE', `${host}:${listenPort} ${reason}`);
    }
    const address = server.address();
    const shownHost = host.includes(':') ? `[${host}]` : host;
    context.print(`listening on http://${shownHost}:${typeof address === 'object' && address ? address.port : ''}`);
    context.host.info(`ledger ${dir}: ${ledger.treeSize} entries; receipts signed by ${(await ledger.serviceKeys()).issuer}; registration style ${registration}`);
    return new Promise<number>((resolve) => {
      const stop = (): void => {
        server.close();
        server.closeAllConnections();
        ledger.close().then(
          () => resolve(0),
          () => resolve(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};
