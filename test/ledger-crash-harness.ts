import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  createSignedStatement,
  issueDevChain,
  kidText,
  LocalSigner,
  SHA256,
  verifyTreeHead,
  type JsonWebKeySet,
  type ResolveReceiptKey,
  type VerifiedTreeHead,
} from '@countersign/core';
import type { RunningServer } from './serve-harness.js';

/** Fails a request that hangs rather than letting the test wait for jest's timeout. */
export const REQUEST_TIMEOUT_MS = 10_000;
const COSE = { 'content-type': 'application/cose' };

/**
 * `count` distinct signed statements, made in this process the way `countersign sign --x5chain`
 * makes them: one key, a dev chain for it, and the chain's did:x509 as issuer, so that a server
 * without a trust policy admits them on their own x5chain.
 */
export async function makeStatements(count: number, now = new Date()): Promise<Uint8Array[]> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = LocalSigner.from(privateKey);
  const { chain, did } = issueDevChain({
    subject: [{ type: 'CN', value: 'Ledger Crash Test Signer' }],
    publicKey: createPublicKey(privateKey),
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 24 * 3600_000),
  });
  const issuedAt = Math.floor(now.getTime() / 1000);
  const statements: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const digest = new Uint8Array(createHash('sha256').update(`crash artifact ${i}`).digest());
    statements.push(await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: did, subject: `artifact-${i}.tgz`, issuedAt, preimageContentType: 'application/gzip', x5chain: chain }, signer));
  }
  return statements;
}

/** The service key from GET /jwks, as a receipt key resolver (by the JWK's kid), plus the raw set. */
export async function serviceKey(url: string): Promise<{ jwks: JsonWebKeySet; resolveKey: ResolveReceiptKey }> {
  const response = await fetch(`${url}/jwks`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (response.status !== 200) throw new Error(`GET /jwks answered ${response.status}`);
  const jwks = (await response.json()) as JsonWebKeySet;
  const keys = new Map<string, KeyObject>();
  for (const jwk of jwks.keys) keys.set(String(jwk.kid), createPublicKey({ key: jwk, format: 'jwk' }));
  return { jwks, resolveKey: (kid) => keys.get(kidText(kid)) };
}

export async function getBytes(url: string): Promise<{ status: number; body: Uint8Array; location: string | null }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()), location: response.headers.get('location') };
}

export async function postStatement(url: string, statement: Uint8Array): Promise<{ status: number; body: Uint8Array; location: string | null }> {
  const response = await fetch(`${url}/entries`, { method: 'POST', headers: COSE, body: statement, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()), location: response.headers.get('location') };
}

/** Runs `task` over `items` with at most `limit` at a time, keeping the order of the results. */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, task: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface Acknowledged {
  /** Position in the test's list of statements. */
  number: number;
  statement: Uint8Array;
  entryId: string;
  receipt: Uint8Array;
}

export interface CrashRound {
  /** Every 201 the server sent, including any that reached us after the kill was sent. */
  acknowledged: Acknowledged[];
  /** Statements sent that never got a 201 (their connection died with the server). */
  unacknowledged: number[];
  /** Requests started but not answered when SIGKILL was sent. */
  inFlightAtKill: number;
  /** Tree heads fetched (and verified) while registering; the last is the newest the server signed before dying. */
  heads: VerifiedTreeHead[];
  /** Status codes other than 201 received before the kill (there should be none). */
  unexpected: string[];
  /** Statements not sent at all in this round. */
  next: number;
}

/**
 * POSTs statements[first..] with `concurrency` requests in flight and a tree-head watcher beside them;
 * once `killAfter` receipts have come back, SIGKILLs the server at once, with the other requests still
 * in flight, and waits for it to die. Bounded: every request times out, the watcher polls a bounded
 * number of times, and a deadline kills the server even if `killAfter` is never reached.
 */
export async function registerUntilKilled(options: {
  server: RunningServer;
  statements: readonly Uint8Array[];
  first: number;
  killAfter: number;
  concurrency: number;
  resolveKey: ResolveReceiptKey;
  deadlineMs: number;
}): Promise<CrashRound> {
  const { server, statements, killAfter, resolveKey } = options;
  const round: CrashRound = { acknowledged: [], unacknowledged: [], inFlightAtKill: -1, heads: [], unexpected: [], next: options.first };
  let inFlight = 0;
  let stopped: Promise<number | null> | undefined;
  const kill = (): void => {
    if (stopped) return;
    round.inFlightAtKill = inFlight;
    stopped = server.stop('SIGKILL'); // sends the signal synchronously
  };
  const deadline = setTimeout(kill, options.deadlineMs);

  const worker = async (): Promise<void> => {
    while (!stopped && round.next < statements.length) {
      const number = round.next++;
      const statement = statements[number] as Uint8Array;
      inFlight++;
      try {
        const answer = await postStatement(server.url, statement);
        if (answer.status === 201) {
          const entryId = /^\/entries\/(\d+)$/.exec(answer.location ?? '')?.[1];
          if (entryId === undefined) round.unexpected.push(`201 with location ${String(answer.location)}`);
          else round.acknowledged.push({ number, statement, entryId, receipt: answer.body });
        } else {
          round.unacknowledged.push(number);
          if (!stopped) round.unexpected.push(`POST answered ${answer.status}`);
        }
      } catch (error) {
        round.unacknowledged.push(number);
        if (!stopped) round.unexpected.push(`POST failed before the kill: ${(error as Error).message}`);
      } finally {
        inFlight--;
      }
      if (round.acknowledged.length >= killAfter) kill();
    }
  };

  const watcher = async (): Promise<void> => {
    for (let poll = 0; poll < 2_000 && !stopped; poll++) {
      try {
        const head = await getBytes(`${server.url}/log/tree-head`);
        if (head.status === 200) round.heads.push(verifyTreeHead(head.body, resolveKey));
        else if (head.status !== 404 && !stopped) round.unexpected.push(`GET /log/tree-head answered ${head.status}`);
      } catch (error) {
        if (!stopped) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  try {
    await Promise.all([...Array.from({ length: options.concurrency }, worker), watcher()]);
  } finally {
    kill();
    clearTimeout(deadline);
    await stopped;
  }
  return round;
}
