import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { onFirstUse } from '@countersign/core';
import type { TransparencyLedger } from '../service/transparency-ledger.js';
import { BodyBudget } from './body-budget.js';
import { answerClientError } from './client-errors.js';
import { answerAndClose, rawProblem } from './closing.js';
import { HttpError } from './errors.js';
import { checkingIntervalMs, resolveServerLimits, type ServerLimits } from './limits.js';
import { problemStatus } from './problems.js';
import { listeningUrl, parsePublicUrl } from './public-url.js';
import { sendProblem } from './responses.js';
import { createRouter, type RegistrationStyle } from './router.js';

const http = onFirstUse<typeof import('node:http')>('node:http');
const https = onFirstUse<typeof import('node:https')>('node:https');

export interface LedgerServerOptions {
  /** Where failures that are the server's own fault are reported (the operator's log). */
  onInternalError?: (error: unknown) => void;
  ledger: TransparencyLedger;
  registration: RegistrationStyle;
  /** Request bodies larger than this are refused with 413 before they are read whole. */
  maxBodyBytes: number;
  /** Seconds a client is asked to wait before polling a pending registration again, or retrying when the server is busy. */
  retryAfterSeconds?: number;
  /** Timeouts, connection cap and body memory budget; each one left out takes its DEFAULT_SERVER_LIMITS value. */
  limits?: Partial<ServerLimits>;
  /**
   * The base URL the configuration names (jwks_uri, registration_endpoint), e.g. https://ledger.example.
   * Default: the address the server listens on. The request's Host header is never used.
   */
  publicUrl?: string;
  /**
   * Serve HTTPS with this key and certificate (PEM), e.g. a node certificate the service identity
   * issued (see service-identity.ts). Every limit holds over TLS too; the TLS handshake must finish
   * within the headers timeout.
   */
  tls?: { key: string; cert: string };
  /** Called for every request with what an access log may show: never the Authorization value, only whether there was one. */
  onRequest?: (entry: AccessEntry) => void;
  /** Called when a TLS handshake fails (a client that does not trust the certificate, or speaks no TLS). */
  onTlsError?: (reason: string) => void;
}

export interface AccessEntry {
  method: string;
  /** The request target, path and query, cut to 300 characters. */
  target: string;
  authorization: boolean;
}

/** The HTTP server, or the HTTPS one with `tls`: the same limits and routes either way. */
export type LedgerServer = Server | TlsServer;

function accessEntry(request: IncomingMessage): AccessEntry {
  return { method: request.method ?? '', target: (request.url ?? '').slice(0, 300), authorization: request.headers.authorization !== undefined };
}

/** The ledger's SCRAPI server with its limits in force. Throws ServerConfigError for options that cannot work. */
export function createLedgerServer(options: LedgerServerOptions): LedgerServer {
  const limits = resolveServerLimits(options.limits, options.maxBodyBytes);
  let publicUrl = options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl);
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const route = createRouter({
    ledger: options.ledger,
    registration: options.registration,
    retryAfter,
    body: { maxBytes: options.maxBodyBytes, timeoutMs: limits.bodyTimeoutMs, budget: new BodyBudget(limits.maxPendingBodyBytes), retryAfter },
    publicUrl: () => (publicUrl ??= listeningUrl(server.address() as AddressInfo, options.tls !== undefined)),
  });

  const httpOptions: ServerOptions = { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: checkingIntervalMs(limits) };
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    options.onRequest?.(accessEntry(request));
    route(request, response).catch((error: unknown) => {
      const { status, detail, internal } = problemStatus(error);
      if (internal) options.onInternalError?.(error);
      const aborted = error instanceof HttpError && error.code === 'HTTP_CLIENT_ABORTED';
      if (aborted || response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof HttpError && error.closesConnection) {
        // Part of the body may still be on its way: answer, then close rather than read it to the end.
        answerAndClose(request.socket, rawProblem(status, detail, error.headers));
        return;
      }
      sendProblem(response, status, detail, error instanceof HttpError ? error.headers : {});
    });
  };
  const server: LedgerServer = options.tls
    ? https().createServer({ ...httpOptions, key: options.tls.key, cert: options.tls.cert, minVersion: 'TLSv1.2', handshakeTimeout: limits.headersTimeoutMs }, handler)
    : http().createServer(httpOptions, handler);
  if (options.tls && options.onTlsError) {
    const report = options.onTlsError;
    server.on('tlsClientError', (error: Error & { code?: string }) => report(error.code ?? error.message));
  }
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on('clientError', answerClientError);
  return server;
}
