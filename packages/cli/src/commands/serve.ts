import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAX_STATEMENT_BYTES } from '@countersign/core';
import { createLedgerServer, defaultLedgerIssuer, defaultServiceKeyPath, serviceKeyAt, issueNodeCertificate, loadOrCreateServiceIdentity, DEFAULT_SERVER_LIMITS, listeningUrl, MAX_SEAL_INTERVAL_MS, TransparencyLedger, type AccessEntry, type RegistrationStyle } from '@countersign/ledger';
import { readPolicyFile } from '@countersign/steps';
import { stringOption, usage } from '../args.js';
import { port, serverSettings, STYLES } from '../io/server-settings.js';
import { localSignerFromFile } from '../io/signer-from-file.js';
import { CliError } from '../errors.js';
import type { Command } from './command.js';

const seconds = (ms: number): string => String(ms / 1000);

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the embedded transparency service (SCRAPI over HTTP)',
  help: `Usage: countersign serve [--data DIR] [--host 127.0.0.1] [--port 8000] [--key KEY.pem] [--issuer NAME]
                        [--policy trust.json] [--registration sync|redirect|operation]
                        [--max-statement-bytes N] [--public-url URL] [--headers-timeout S] [--request-timeout S]
                        [--keep-alive-timeout S] [--body-timeout S] [--max-connections N] [--max-pending-bytes N]
                        [--tls] [--access-log] [--seal-interval MS]

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
  --public-url     the base URL the configuration advertises for jwks_uri and registration_endpoint
                   (default: the address on "listening on"); the request's Host header is never used
  --tls            serve HTTPS the way a CCF service (Microsoft Signing Transparency) does: a service
                   identity (a self-signed CA, DIR-service-identity.pem beside DIR, kept across
                   restarts) issues the server's certificate at each start; clients pin the identity
                   (countersign log --service-identity DIR-service-identity.pem)
  --access-log     one line per request on standard error: method, path and query, and whether an
                   Authorization header came (never its value); with --tls also failed handshakes
  --seal-interval  sign at most one tree head per MS milliseconds (default 0: one per batch, as soon
                   as it is written), as a CCF service signs once per signature interval: receipts
                   of one interval share one signature, which a verifier checks once; each
                   registration waits up to MS for it (at most ${MAX_SEAL_INTERVAL_MS})
Limits (a client past one is answered with problem details and its connection closed):
  --headers-timeout     seconds for a request's headers to arrive (default ${seconds(DEFAULT_SERVER_LIMITS.headersTimeoutMs)}; 408)
  --request-timeout     seconds for a whole request, body included, to arrive (default ${seconds(DEFAULT_SERVER_LIMITS.requestTimeoutMs)}; 408)
  --keep-alive-timeout  seconds an idle connection is kept open (default ${seconds(DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs)})
  --body-timeout        seconds an upload may send nothing before it is dropped (default ${seconds(DEFAULT_SERVER_LIMITS.bodyTimeoutMs)}; 408)
  --max-connections     open connections; more are closed as soon as accepted (default ${DEFAULT_SERVER_LIMITS.maxConnections})
  --max-pending-bytes   bytes all unfinished uploads may hold together, at least --max-statement-bytes
                        (default ${DEFAULT_SERVER_LIMITS.maxPendingBodyBytes}; past it: 503 with Retry-After)
  --max-statement-bytes the largest statement taken (default ${DEFAULT_MAX_STATEMENT_BYTES}; 413)
The first line on standard output is "listening on <URL>", with --tls "listening on <URL> identity <PEM path>".
--port 0 picks a free port.`,
  options: {
    data: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    key: { type: 'string' },
    issuer: { type: 'string' },
    policy: { type: 'string' },
    registration: { type: 'string' },
    'max-statement-bytes': { type: 'string' },
    'public-url': { type: 'string' },
    'headers-timeout': { type: 'string' },
    'request-timeout': { type: 'string' },
    'keep-alive-timeout': { type: 'string' },
    'body-timeout': { type: 'string' },
    'max-connections': { type: 'string' },
    'max-pending-bytes': { type: 'string' },
    tls: { type: 'boolean' },
    'access-log': { type: 'boolean' },
    'seal-interval': { type: 'string' },
  },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const dir = stringOption(args, 'data') ?? join('.countersign', 'ledger');
    const registration = (stringOption(args, 'registration') ?? 'sync') as RegistrationStyle;
    if (!STYLES.includes(registration)) throw usage(this, `--registration must be one of ${STYLES.join(', ')}`);
    const maxStatementBytes = Number(stringOption(args, 'max-statement-bytes') ?? DEFAULT_MAX_STATEMENT_BYTES);
    if (!Number.isInteger(maxStatementBytes) || maxStatementBytes < 1) throw usage(this, '--max-statement-bytes must be a positive integer');
    const { limits, publicUrl } = serverSettings(this, args, maxStatementBytes);
    const sealIntervalMs = Number(stringOption(args, 'seal-interval') ?? 0);
    if (!Number.isInteger(sealIntervalMs) || sealIntervalMs < 0 || sealIntervalMs > MAX_SEAL_INTERVAL_MS) throw usage(this, `--seal-interval must be a whole number of milliseconds from 0 to ${MAX_SEAL_INTERVAL_MS}`);
    const host = stringOption(args, 'host') ?? '127.0.0.1';
    const listenPort = port(this, stringOption(args, 'port') ?? '8000');
    const keyPath = stringOption(args, 'key');
    const serviceKey = keyPath ? await localSignerFromFile(keyPath) : (await serviceKeyAt(defaultServiceKeyPath(dir))).signer;
    const policyPath = stringOption(args, 'policy');
    const ledger = await TransparencyLedger.open({
      dir,
      serviceKey,
      issuer: stringOption(args, 'issuer') ?? defaultLedgerIssuer(serviceKey),
      trust: policyPath ? await readPolicyFile(policyPath) : undefined,
      maxStatementBytes,
      sealIntervalMs,
    });
    const identity = args.values.tls === true ? await loadOrCreateServiceIdentity(dir) : undefined;
    // The node certificate names every address a client may use: loopback, the bound host and the public URL's host.
    const tls = identity && issueNodeCertificate(identity, [host, '127.0.0.1', '::1', 'localhost', ...(publicUrl ? [new URL(publicUrl).hostname] : [])]);
    const accessLog = args.values['access-log'] === true;
    const server = createLedgerServer({
      ledger,
      registration,
      maxBodyBytes: maxStatementBytes,
      limits,
      publicUrl,
      tls,
      onRequest: accessLog ? (entry: AccessEntry) => process.stderr.write(`access: ${entry.method} ${entry.target} authorization=${entry.authorization ? 'present' : 'absent'}\n`) : undefined,
      onTlsError: accessLog ? (reason: string) => process.stderr.write(`access: TLS handshake failed: ${reason}\n`) : undefined,
      onInternalError: (error) => context.host.warn(`internal error: ${error instanceof Error ? error.message : String(error)}`),
    });
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
    const url = listeningUrl(server.address() as AddressInfo, identity !== undefined);
    context.print(identity ? `listening on ${url} identity ${identity.certificatePath}` : `listening on ${url}`);
    context.host.info(`ledger ${dir}: ${ledger.treeSize} entries; receipts signed by ${(await ledger.serviceKeys()).issuer}; registration style ${registration}; public URL ${publicUrl ?? url}`);
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
