import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveDidX509, issueDevChain, isCountersignError, LocalSigner, type TrustPolicy } from '@countersign/core';
import { TransparencyLedger } from '@countersign/ledger';
import type { ServiceOpener } from '../src/service-session.js';

/** A directory for one test file; `at` names a fresh path inside it. */
export function scratch(prefix: string): { dir: string; at: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `countersign-steps-${prefix}-`));
  return { dir, at: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A local key with a certificate from a throwaway CA: statements carry an x5chain and a did:x509 issuer, as Microsoft's service requires. */
export function certifiedSigner(): { signer: LocalSigner; chain: Uint8Array[]; issuer: string } {
  const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const now = Date.now();
  const { chain } = issueDevChain({ subject: [{ type: 'CN', value: 'steps test' }], publicKey: createPublicKey(privateKey), notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) });
  return { signer: LocalSigner.from(privateKey), chain, issuer: deriveDidX509(chain) };
}

/** The embedded ledger in `dir`, in this process, admitting what its trust policy (or, without one, a statement's own x5chain) allows. */
export function openLedger(dir: string, trust?: TrustPolicy): Promise<TransparencyLedger> {
  return TransparencyLedger.open({ dir, serviceKey: LocalSigner.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey), issuer: 'steps-test-ledger', trust, maxBatchDelayMs: 0 });
}

/** A step's service opener over a ledger the test keeps open; records who was to register. */
export function openerOf(ledger: TransparencyLedger, seen: Array<{ issuer: string } | undefined> = []): ServiceOpener {
  return async (registrant) => {
    seen.push(registrant && { issuer: registrant.issuer });
    return { service: ledger, close: () => undefined };
  };
}

/** The area and code a promise fails with (a test asserts codes, never messages), with the step input at fault. */
export async function failureOf(promise: Promise<unknown>): Promise<{ area: string; code: string; input?: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isCountersignError(error)) throw error;
    const input = (error as { input?: string }).input;
    return { area: error.area, code: error.code, ...(input ? { input } : {}) };
  }
  throw new Error('expected a failure');
}
