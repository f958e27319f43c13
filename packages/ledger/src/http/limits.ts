import { ServerConfigError } from './errors.js';

/** What one client, or many together, may make the server hold. Times in milliseconds. */
export interface ServerLimits {
  /** From the start of a request to the end of its headers; slow-header clients hold a socket no longer. */
  headersTimeoutMs: number;
  /** From the start of a request to the end of its body, however steadily it arrives. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A body that sends nothing for this long is answered 408 and its connection closed. */
  bodyTimeoutMs: number;
  /** Open connections; the ones beyond are closed as soon as they are accepted, before anything is read. */
  maxConnections: number;
  /** Bytes all unfinished request bodies may hold together; a body that would go over is answered 503 with Retry-After. */
  maxPendingBodyBytes: number;
}

/**
 * Node's own defaults keep a stalled upload for 300 s and accept any number of connections, each
 * holding up to a whole statement. These keep an idle or slow client's cost to a few seconds and the
 * memory held by bodies to one fixed budget, while leaving honest clients (a CI job registering
 * statements of a few kilobytes, a poller on keep-alive) far inside them.
 */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  bodyTimeoutMs: 5_000,
  maxConnections: 256,
  maxPendingBodyBytes: 32 * 1024 * 1024,
});

const MAX_TIMEOUT_MS = 24 * 3600_000;

function positiveInteger(limits: ServerLimits, key: keyof ServerLimits, max: number): void {
  const value = limits[key];
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new ServerConfigError('SERVER_BAD_LIMIT', `${key} must be an integer from 1 to ${max}, not ${value}`);
}

/** The defaults overridden by `given`, checked to work together with the largest body the server takes. */
export function resolveServerLimits(given: Partial<ServerLimits> | undefined, maxBodyBytes: number): ServerLimits {
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS };
  for (const key of Object.keys(DEFAULT_SERVER_LIMITS) as Array<keyof ServerLimits>) {
    if (given?.[key] !== undefined) limits[key] = given[key];
  }
  for (const key of ['headersTimeoutMs', 'requestTimeoutMs', 'keepAliveTimeoutMs', 'bodyTimeoutMs'] as const) positiveInteger(limits, key, MAX_TIMEOUT_MS);
  positiveInteger(limits, 'maxConnections', 1_000_000);
  positiveInteger(limits, 'maxPendingBodyBytes', Number.MAX_SAFE_INTEGER);
  // Node refuses a headers timeout longer than the request timeout it is part of.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new ServerConfigError('SERVER_BAD_LIMIT', 'the headers timeout must not be longer than the request timeout');
  if (limits.maxPendingBodyBytes < maxBodyBytes) throw new ServerConfigError('SERVER_BAD_LIMIT', 'the memory for pending bodies must hold at least one statement of the largest size taken');
  return limits;
}

/**
 * How often Node looks for requests over their headers or request timeout. Its default of 30 s would
 * let a 1 s timeout last 31 s; a quarter of the shorter timeout keeps the overshoot small and the
 * sweep (one pass over the open connections) rare.
 */
export function checkingIntervalMs(limits: ServerLimits): number {
  return Math.max(50, Math.min(1_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}
