import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
}

/** The ledger's SCRAPI server with its limits in force. Throws ServerConfigError for options that cannot work. */
export function createLedgerServer(options: LedgerServerOptions): Server {
  const limits = resolveServerLimits(options.limits, options.maxBodyBytes);
  let publicUrl = options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl);
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const route = createRouter({
    ledger: options.ledger,
    registration: options.registration,
    retryAfter,
    body: { maxBytes: options.maxBodyBytes, timeoutMs: limits.bodyTimeoutMs, budget: new BodyBudget(limits.maxPendingBodyBytes), retryAfter },
    publicUrl: () => (publicUrl ??= listeningUrl(server.address() as AddressInfo)),
  });

  const server = createServer(
    { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: checkingIntervalMs(limits) },
    (request, response) => {
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
    },
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on('clientError', answerClientError);
  return server;
}
