import { setTimeout as sleep } from 'node:timers/promises';
import { decode, isCertificatePem, TransparencyError, type CborMap, type Registration, type ServiceKeys, type TransparencyService } from '@countersign/core';
import { StepError } from '../errors.js';
import { defaultApiVersion } from './api-version.js';
import { bearerScope, type BearerScope, type TokenProvider } from './bearer-scope.js';
import { DEFAULT_LISTING_TIMEOUT_MS, DEFAULT_MAX_PAGES, PageWalk, parseEntryIdPage, type EntryIdRange, type ListingLimits } from './entry-listing.js';
import { HttpTransport, type AnswerHeaders } from './http-transport.js';
import { problemText } from './problem-details.js';
import { tlsFailure } from './tls-failure.js';

export interface ScrapiClientOptions {
  /** The service's base URL, e.g. https://example.confidential-ledger.azure.com */
  url: string;
  /** Longest a registration may take, polling included. */
  timeoutMs?: number;
  /** Retries of one request on 429, 502, 503, 504 and dropped connections. */
  maxRetries?: number;
  /** Wait between polls when the service gives no Retry-After. */
  pollIntervalMs?: number;
  /** Longest single wait, whatever Retry-After asks for. */
  maxWaitMs?: number;
  /**
   * Bearer token for services that require authentication. Sent only to the origin of `url`, and
   * only when that origin is https or loopback; never logged, never quoted in an error.
   */
  token?: string;
  /**
   * Instead of `token`: a function giving the current token (the front end builds it, e.g. from an
   * Azure credential, and masks what it gives), sent under the same rules.
   */
  tokenProvider?: TokenProvider;
  /**
   * The service identity (PEM certificate) that alone vouches for the TLS certificate of `url`'s
   * origin, as CCF services present; every other origin keeps the public CA store.
   */
  serviceIdentity?: string;
  /**
   * The api-version query parameter sent on every request to `url`'s origin. Default: the Code
   * Transparency GA version for https://NAME.confidential-ledger.azure.com, none elsewhere; false: none.
   */
  apiVersion?: string | false;
}

interface Answer {
  status: number;
  headers: AnswerHeaders;
  body: Uint8Array;
  url: string;
}

const RETRYABLE = new Set([429, 502, 503, 504]);
const OPERATION_POLL_LIMIT = 10_000;

/** A SCRAPI client that follows every answer style Microsoft's service and the embedded ledger use. */
export class ScrapiClient implements TransparencyService {
  readonly name: string;
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly pollIntervalMs: number;
  private readonly maxWaitMs: number;
  private readonly bearer: BearerScope | undefined;
  private readonly transport: HttpTransport;
  private readonly apiVersion: string | undefined;
  /** A TLS failure per origin: a second request there would fail the same way, so it is not made. */
  private readonly tlsFailures = new Map<string, TransparencyError>();

  constructor(options: ScrapiClientOptions) {
    try {
      this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    } catch {
      throw new TransparencyError('TS_PROTOCOL', `service URL "${options.url}" is not a URL`);
    }
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') {
      throw new TransparencyError('TS_PROTOCOL', `service URL must be http or https, not ${this.base.protocol}`);
    }
    // Credentials in a URL would be quoted in every message that names the service.
    if (this.base.username || this.base.password) throw new StepError('STEP_USAGE', 'service URL must not carry a user name or password; give a bearer token instead', { input: 'serviceUrl' });
    this.name = this.base.href.replace(/\/$/, '');
    if (options.token !== undefined && options.tokenProvider !== undefined) throw new StepError('STEP_USAGE', 'give a bearer token or a token provider, not both', { input: 'token' });
    this.bearer =
      options.token !== undefined
        ? bearerScope(options.token, this.base)
        : options.tokenProvider !== undefined
          ? bearerScope(options.tokenProvider, this.base)
          : undefined;
    if (options.serviceIdentity !== undefined) {
      if (this.base.protocol !== 'https:') throw new StepError('STEP_USAGE', `a service identity pins TLS, and ${this.base.origin} is plain http`, { input: 'serviceIdentity' });
      if (!isCertificatePem(options.serviceIdentity)) throw new StepError('STEP_INPUT_UNREADABLE', 'the service identity is not a PEM certificate', { input: 'serviceIdentity' });
    }
    this.transport = new HttpTransport(options.serviceIdentity === undefined ? new Map() : new Map([[this.base.origin, options.serviceIdentity]]));
    const apiVersion = options.apiVersion === undefined ? defaultApiVersion(this.base) : options.apiVersion || undefined;
    if (apiVersion !== undefined && !/^[A-Za-z0-9.-]{1,64}$/.test(apiVersion)) throw new StepError('STEP_USAGE', `api-version "${apiVersion}" is not a version (letters, digits, "." and "-")`, { input: 'apiVersion' });
    this.apiVersion = apiVersion;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxRetries = options.maxRetries ?? 5;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
  }

  async register(statement: Uint8Array): Promise<Registration> {
    const deadline = Date.now() + this.timeoutMs;
    const answer = await this.request('POST', 'entries', deadline, statement);
    switch (answer.status) {
      case 200:
      case 201:
        return { entryId: this.entryIdFrom(answer), receipt: answer.body };
      case 202:
        return this.followOperation(answer, deadline);
      case 303:
        return this.followEntry(this.location(answer), deadline);
      default:
        throw this.unexpected(answer, 'registration');
    }
  }

  /** The receipt of an entry already registered. */
  async receipt(entryId: string): Promise<Uint8Array> {
    const registration = await this.followEntry(new URL(`entries/${encodeURIComponent(entryId)}`, this.base), Date.now() + this.timeoutMs);
    return registration.receipt;
  }

  /** The service's current signed tree head (an extension of the embedded ledger: GET /log/tree-head). */
  async treeHead(): Promise<Uint8Array> {
    return this.getCose('log/tree-head', 'the tree head');
  }

  /** A consistency receipt from tree size `from` to the current tree (GET /log/consistency). */
  async consistency(from: number): Promise<Uint8Array> {
    return this.getCose(`log/consistency?from=${from}`, 'the consistency proof');
  }

  /**
   * The ids of registered entries, a page at a time (GET /entries/txIds, as scitt-ccf-ledger, Microsoft's
   * service and the embedded ledger serve it), following nextLink only on this service, only forward,
   * never twice, for at most `maxPages` pages and `timeoutMs` in all; 503 while the service's index
   * catches up is retried after its Retry-After like any overload.
   */
  async *entryIdPages(range: EntryIdRange = {}, limits: ListingLimits = {}): AsyncGenerator<string[]> {
    const deadline = Date.now() + (limits.timeoutMs ?? DEFAULT_LISTING_TIMEOUT_MS);
    const query = new URLSearchParams();
    if (range.from !== undefined) query.set('from', String(range.from));
    if (range.to !== undefined) query.set('to', String(range.to));
    let url: URL | undefined = new URL(`entries/txIds${query.toString() ? `?${query.toString()}` : ''}`, this.base);
    const walk = new PageWalk(this.name, this.base.origin, range.from, limits.maxPages ?? DEFAULT_MAX_PAGES);
    while (url) {
      if (Date.now() >= deadline) throw new TransparencyError('TS_TIMEOUT', `${this.name}: the entry listing did not finish within ${Math.round((limits.timeoutMs ?? DEFAULT_LISTING_TIMEOUT_MS) / 1000)} s`);
      const answer = await this.request('GET', url, Math.min(deadline, Date.now() + this.timeoutMs));
      if (answer.status !== 200) throw this.unexpected(answer, 'the entry listing');
      const page = parseEntryIdPage(answer.body, answer.url, this.name);
      walk.page(url, page.ids);
      if (page.next) walk.follow(page.next);
      yield page.ids;
      url = page.next;
    }
  }

  /** An entry's transparent statement (GET /entries/{id}/statement): the statement with the service's receipt. */
  async transparentStatement(entryId: string): Promise<Uint8Array> {
    const deadline = Date.now() + this.timeoutMs;
    const location = new URL(`entries/${encodeURIComponent(entryId)}/statement`, this.base);
    for (let polls = 0; polls < OPERATION_POLL_LIMIT; polls++) {
      const answer = await this.request('GET', location, deadline);
      if (answer.status === 200) return answer.body;
      if (answer.status !== 202 && answer.status !== 302) throw this.unexpected(answer, `the statement of entry ${entryId}`);
      await this.wait(answer, deadline);
      if (Date.now() >= deadline) throw new TransparencyError('TS_TIMEOUT', `${this.name}: entry ${entryId} was not ready within ${Math.round(this.timeoutMs / 1000)} s`);
    }
    throw new TransparencyError('TS_TIMEOUT', `${this.name}: entry ${entryId} was not ready after ${OPERATION_POLL_LIMIT} polls`);
  }

  private async getCose(path: string, what: string): Promise<Uint8Array> {
    const answer = await this.request('GET', path, Date.now() + this.timeoutMs);
    if (answer.status !== 200) throw this.unexpected(answer, what);
    return answer.body;
  }

  async configuration(): Promise<CborMap> {
    const answer = await this.request('GET', '.well-known/transparency-configuration', Date.now() + this.timeoutMs);
    if (answer.status !== 200) throw this.unexpected(answer, 'the transparency configuration');
    const config = this.cbor(answer, 'transparency configuration');
    if (!(config instanceof Map)) throw new TransparencyError('TS_PROTOCOL', `${this.name}: transparency configuration is not a CBOR map`);
    return config;
  }

  async serviceKeys(): Promise<ServiceKeys> {
    const config = await this.configuration();
    const issuer = config.get('issuer');
    if (typeof issuer !== 'string') throw new TransparencyError('TS_PROTOCOL', `${this.name}: transparency configuration has no issuer`);
    const jwksUri = typeof config.get('jwks_uri') === 'string' ? new URL(config.get('jwks_uri') as string, this.base) : new URL('jwks', this.base);
    const answer = await this.request('GET', jwksUri, Date.now() + this.timeoutMs);
    if (answer.status !== 200) throw this.unexpected(answer, 'the service keys');
    let jwks: unknown;
    try {
      jwks = JSON.parse(Buffer.from(answer.body).toString('utf8'));
    } catch {
      throw new TransparencyError('TS_PROTOCOL', `${this.name}: ${jwksUri.href} is not JSON`);
    }
    const keys = (jwks as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new TransparencyError('TS_PROTOCOL', `${this.name}: ${jwksUri.href} is not a JWK set`);
    return { issuer, jwks: { keys }, jwksUri: jwksUri.href };
  }

  /** Polls /operations/{id} (the legacy Microsoft flow) until it succeeds, fails, or time runs out. */
  private async followOperation(accepted: Answer, deadline: number): Promise<Registration> {
    let location = this.operationLocation(accepted);
    let answer = accepted;
    for (let polls = 0; polls < OPERATION_POLL_LIMIT; polls++) {
      const operation = this.cbor(answer, 'operation status');
      const status = operation instanceof Map ? operation.get('Status') : undefined;
      if (status === 'succeeded') {
        const entryId = (operation as CborMap).get('EntryId');
        if (typeof entryId !== 'string') throw new TransparencyError('TS_PROTOCOL', `${this.name}: operation succeeded without an EntryId`);
        return this.followEntry(new URL(`entries/${encodeURIComponent(entryId)}`, this.base), deadline, entryId);
      }
      if (status === 'failed') {
        const error = (operation as CborMap).get('Error');
        const reason = error instanceof Map ? [error.get('title') ?? error.get(-1), error.get('detail') ?? error.get(-2) ?? error.get('message')].filter(Boolean).join(': ') : String(error ?? 'no reason given');
        throw new TransparencyError('TS_REFUSED', `${this.name} refused the statement: ${reason}`);
      }
      if (status !== 'running' && status !== 'pending') throw new TransparencyError('TS_PROTOCOL', `${this.name}: operation status "${String(status)}" is not one SCRAPI knows`);
      await this.wait(answer, deadline);
      answer = await this.request('GET', location, deadline);
      if (answer.status !== 200 && answer.status !== 202) throw this.unexpected(answer, 'the operation');
      location = answer.headers.get('location') ? this.location(answer) : location;
    }
    throw new TransparencyError('TS_TIMEOUT', `${this.name}: operation did not finish after ${OPERATION_POLL_LIMIT} polls`);
  }

  /** GETs /entries/{id} until the receipt is there: 302 (or 202) means not yet. */
  private async followEntry(location: URL, deadline: number, knownId?: string): Promise<Registration> {
    for (let polls = 0; polls < OPERATION_POLL_LIMIT; polls++) {
      const answer = await this.request('GET', location, deadline);
      if (answer.status === 200) {
        // A service that answered for an operation names the entry itself in Content-Location.
        const named = answer.headers.get('content-location');
        return { entryId: knownId ?? lastSegment(named ? new URL(named, answer.url) : location), receipt: answer.body };
      }
      if (answer.status === 404) throw new TransparencyError('TS_NOT_FOUND', `${this.name}: no entry at ${location.pathname}`);
      if (answer.status !== 302 && answer.status !== 202) throw this.unexpected(answer, 'the entry');
      await this.wait(answer, deadline);
      if (answer.headers.get('location')) location = this.location(answer);
    }
    throw new TransparencyError('TS_TIMEOUT', `${this.name}: entry was not ready after ${OPERATION_POLL_LIMIT} polls`);
  }

  /** One request, retried with backoff on overload and dropped connections; every wait bounded by the deadline. */
  private async request(method: 'GET' | 'POST', path: string | URL, deadline: number, body?: Uint8Array): Promise<Answer> {
    const url = this.withApiVersion(path instanceof URL ? path : new URL(path, this.base));
    const knownTlsFailure = this.tlsFailures.get(url.origin);
    if (knownTlsFailure) throw knownTlsFailure;
    let lastProblem = '';
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      let answer: Answer | undefined;
      try {
        answer = await this.fetchOnce(method, url, remaining, body);
      } catch (error) {
        if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') break;
        if (error instanceof TransparencyError) throw error;
        const tls = tlsFailure(error, this.name, this.transport.isPinned(url));
        if (tls) {
          this.tlsFailures.set(url.origin, tls);
          throw tls;
        }
        lastProblem = connectionProblem(error);
      }
      if (answer && !RETRYABLE.has(answer.status)) return answer;
      if (answer) lastProblem = `${answer.status}${problemSuffix(answer)}`;
      if (attempt === this.maxRetries) break;
      const backoff = Math.min(this.maxWaitMs, 250 * 2 ** attempt);
      await this.wait(answer, deadline, backoff);
    }
    if (Date.now() >= deadline) throw new TransparencyError('TS_TIMEOUT', `${this.name}: no answer within ${Math.round(this.timeoutMs / 1000)} s${lastProblem ? ` (last: ${lastProblem})` : ''}`);
    throw new TransparencyError('TS_UNAVAILABLE', `${this.name} is unavailable after ${this.maxRetries + 1} attempts: ${lastProblem}`);
  }

  private async fetchOnce(method: string, url: URL, timeoutMs: number, body?: Uint8Array): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/scitt-receipt+cose, application/cbor, application/cose, application/json' };
    if (body) headers['content-type'] = 'application/cose';
    const authorization = await this.bearer?.authorizationFor(url);
    if (authorization) headers.authorization = authorization;
    // The transport never follows redirects: the client follows the ones SCRAPI uses itself,
    // deciding for each hop whether the token goes.
    const answer = await this.transport.send({ method, url, headers, body, timeoutMs });
    return { ...answer, url: url.href };
  }

  /** The service's own URLs carry the api-version; other origins a Location names are left as they are. */
  private withApiVersion(url: URL): URL {
    if (this.apiVersion === undefined || url.origin !== this.base.origin || url.searchParams.has('api-version')) return url;
    const versioned = new URL(url);
    versioned.searchParams.set('api-version', this.apiVersion);
    return versioned;
  }

  /** Lets go of kept-alive connections to a pinned service. */
  close(): void {
    this.transport.close();
  }

  /** Sleeps for Retry-After (seconds or an HTTP date), or `fallback`, capped by maxWaitMs and the deadline. */
  private async wait(answer: Answer | undefined, deadline: number, fallback = this.pollIntervalMs): Promise<void> {
    const retryAfter = answer?.headers.get('retry-after');
    let delay = fallback;
    if (retryAfter) {
      const seconds = Number(retryAfter);
      delay = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    }
    delay = Math.max(0, Math.min(delay, this.maxWaitMs, deadline - Date.now()));
    if (delay > 0) await sleep(delay);
  }

  private location(answer: Answer): URL {
    const location = answer.headers.get('location');
    if (!location) throw new TransparencyError('TS_PROTOCOL', `${this.name}: ${answer.status} answer without a Location`);
    return new URL(location, answer.url);
  }

  private operationLocation(answer: Answer): URL {
    if (answer.headers.get('location')) return this.location(answer);
    const operation = this.cbor(answer, 'operation status');
    const id = operation instanceof Map ? operation.get('OperationId') : undefined;
    if (typeof id !== 'string') throw new TransparencyError('TS_PROTOCOL', `${this.name}: 202 answer names no operation`);
    return new URL(`operations/${encodeURIComponent(id)}`, this.base);
  }

  private entryIdFrom(answer: Answer): string {
    const location = answer.headers.get('location');
    if (!location) throw new TransparencyError('TS_PROTOCOL', `${this.name}: 201 answer without a Location naming the entry`);
    return lastSegment(new URL(location, answer.url));
  }

  private cbor(answer: Answer, what: string): unknown {
    try {
      return decode(answer.body, { maxDepth: 8, maxItems: 10_000 });
    } catch {
      throw new TransparencyError('TS_PROTOCOL', `${this.name}: ${what} is not CBOR`);
    }
  }

  private unexpected(answer: Answer, what: string): TransparencyError {
    const reason = problemText(answer.body, answer.headers.get('content-type'));
    if (answer.status >= 400 && answer.status < 500) {
      return new TransparencyError(answer.status === 404 ? 'TS_NOT_FOUND' : 'TS_REFUSED', `${this.name} refused ${what} (${answer.status})${reason ? `: ${reason}` : ''}`);
    }
    return new TransparencyError(answer.status >= 500 ? 'TS_UNAVAILABLE' : 'TS_PROTOCOL', `${this.name}: unexpected ${answer.status} for ${what}${reason ? `: ${reason}` : ''}`);
  }
}

function lastSegment(url: URL): string {
  return decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '');
}

function problemSuffix(answer: Answer): string {
  const reason = problemText(answer.body, answer.headers.get('content-type'));
  return reason ? ` ${reason}` : '';
}

function connectionProblem(error: unknown): string {
  const { code, cause, message } = error as { code?: string; cause?: { code?: string; message?: string }; message?: string };
  return code ?? cause?.code ?? cause?.message ?? message ?? 'connection failed';
}
