import type { KeyObject } from 'node:crypto';
import type { TransparencyService } from '@countersign/core';

/** A transparency service a front end opened for a step, and how to let go of it once the step is done with it. */
export interface ServiceSession {
  service: TransparencyService;
  close(): void | Promise<void>;
}

/**
 * Opens the service a step registers with, when the step gets that far. `registrant` is who will
 * register: an embedded ledger opened in process admits exactly that issuer's key (a statement with
 * only a kid needs a policy there); a remote service ignores it.
 */
export type ServiceOpener = (registrant?: { issuer: string; publicKey: KeyObject }) => Promise<ServiceSession>;

/** A session over a service the caller keeps open (closing it is the caller's business). */
export function borrowedSession(service: TransparencyService): ServiceSession {
  return { service, close: () => undefined };
}
