import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { badParameter, bearerChallenge, sendError, sendJson, VaultAnswerError, type VaultFlavor } from './answers.js';
import { handleCertificates } from './certificates-api.js';
import { handleKeys, unknownRoute, type SigningFaults } from './keys-api.js';
import type { NamedKeySpec } from './key-spec.js';
import { createTlsIdentity } from './tls-identity.js';
import { VaultState } from './vault-state.js';
import type { VaultReply, VaultRequest } from './vault-request.js';

/** The api-versions the keys and certificates data plane answers to; anything else is refused as the service does. */
export const SUPPORTED_API_VERSIONS: readonly string[] = ['7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '2025-07-01'];
const LATEST_API_VERSION = '2025-07-01';
const MAX_BODY_BYTES = 1024 * 1024;

export interface KeyVaultEmulatorOptions {
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly keys?: readonly NamedKeySpec[];
  /** Added to every request before it is answered, as a remote vault's round trip would. */
  readonly latencyMs?: number;
  /** Every Nth sign request is answered 429 with Retry-After, as Key Vault throttles. */
  readonly throttleEvery?: number;
  /** The Retry-After of throttled answers, in seconds (Key Vault's unit); default 1. */
  readonly retryAfterSeconds?: number;
  /** Whose bearer challenge to send: a vault's or a Managed HSM's. */
  readonly flavor?: VaultFlavor;
  /** Which bearer tokens are accepted; any non-empty token by default. */
  readonly acceptToken?: (token: string) => boolean;
  /**
   * Holds the 401 answer to a challenge probe (a request that should carry a body but came with neither
   * body nor token: how the SDK's new clients draw the bearer challenge) this long, as a slow first round
   * trip would: the challenges of the client's concurrent requests then finish before the probe's.
   */
  readonly challengeProbeDelayMs?: number;
}

export interface EmulatorCounters {
  signRequests: number;
  throttled: number;
}

export interface RunningKeyVaultEmulator {
  /** https://127.0.0.1:PORT: the vault URL clients use. */
  readonly url: string;
  readonly caPem: string;
  readonly state: VaultState;
  readonly faults: SigningFaults;
  readonly counters: EmulatorCounters;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new VaultAnswerError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function bearerToken(request: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw badParameter('The request body is not valid JSON.');
  }
}

/**
 * Serves the Key Vault keys and certificates REST subset the Azure SDKs call, over HTTPS on loopback,
 * with the service's bearer challenge, api-version check and error envelope, and real signatures.
 */
export async function startKeyVaultEmulator(options: KeyVaultEmulatorOptions = {}): Promise<RunningKeyVaultEmulator> {
  const host = options.host ?? '127.0.0.1';
  const flavor = options.flavor ?? 'vault';
  const acceptToken = options.acceptToken ?? ((token: string) => token.length > 0);
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const state = new VaultState();
  const faults: SigningFaults = { corruptSignatures: false };
  const counters: EmulatorCounters = { signRequests: 0, throttled: 0 };
  for (const key of options.keys ?? []) state.createKey(key.name, key);
  const tls = createTlsIdentity();
  let baseUrl = '';

  const unauthorized = (message: string): VaultAnswerError => new VaultAnswerError(401, 'Unauthorized', message, undefined, { 'WWW-Authenticate': bearerChallenge(flavor) });

  async function answer(request: IncomingMessage): Promise<VaultReply> {
    const body = await readBody(request);
    if (options.latencyMs) await sleep(options.latencyMs);
    const token = bearerToken(request);
    if (token === undefined) {
      const probe = body.length === 0 && request.method !== 'GET' && request.method !== 'DELETE';
      if (probe && options.challengeProbeDelayMs) await sleep(options.challengeProbeDelayMs);
      throw unauthorized('AKV10000: Request is missing a Bearer or PoP token.');
    }
    if (!acceptToken(token)) throw unauthorized('AKV10032: The emulator does not accept this token.');
    const url = new URL(request.url ?? '/', baseUrl);
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion) throw badParameter('The api-version query parameter is missing.');
    if (!SUPPORTED_API_VERSIONS.includes(apiVersion)) {
      throw badParameter(`The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (${LATEST_API_VERSION}).`);
    }
    const vaultRequest: VaultRequest = { method: request.method ?? 'GET', segments: url.pathname.split('/').slice(1), body: parseJson(body), baseUrl, apiVersion };
    const [collection] = vaultRequest.segments;
    if (collection === 'keys') {
      if (vaultRequest.method === 'POST' && vaultRequest.segments[4] === undefined && vaultRequest.segments[3] === 'sign') {
        counters.signRequests++;
        if (options.throttleEvery && counters.signRequests % options.throttleEvery === 0) {
          counters.throttled++;
          throw new VaultAnswerError(429, 'Throttled', 'Request was not processed because too many requests were received. Reason: the emulator throttles every ' + options.throttleEvery + ' sign requests.', undefined, {
            'Retry-After': retryAfter,
          });
        }
      }
      return handleKeys(state, vaultRequest, faults);
    }
    if (collection === 'certificates') return handleCertificates(state, vaultRequest);
    throw unknownRoute(vaultRequest);
  }

  function serve(request: IncomingMessage, response: ServerResponse): void {
    answer(request).then(
      (reply) => sendJson(request, response, reply.status, reply.body, reply.headers),
      (error: unknown) => {
        if (response.headersSent) return;
        sendError(request, response, error instanceof VaultAnswerError ? error : new VaultAnswerError(500, 'InternalServerError', 'The emulator failed to answer this request.'));
      },
    );
  }

  const server: Server = createServer({ key: tls.privateKeyPem, cert: tls.certificatePem }, serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: baseUrl,
    caPem: tls.caPem,
    state,
    faults,
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
