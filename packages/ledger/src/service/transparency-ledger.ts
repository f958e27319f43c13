import type { KeyObject } from 'node:crypto';
import {
  consistencyProof,
  consistencyReceipt,
  encodeCoseKeySet,
  inclusionProof,
  inclusionReceipt,
  keyIdOf,
  publicCoseKeyOf,
  publicJwkOf,
  rootAt,
  signTreeHead,
  treeHeadMessage,
  DEFAULT_MAX_STATEMENT_BYTES,
  type Registration,
  type RegistrationPolicy,
  type ServiceKeys,
  type Signer,
  type TransparencyService,
  type TrustPolicy,
} from '@countersign/core';
import { LedgerError } from '../storage/errors.js';
import { LedgerStore } from '../storage/ledger-store.js';
import { AdmissionThreads } from './admission-threads.js';
import { decodeSeal, encodeSeal, type BatchSeal } from './seal.js';
import { withOwnReceipt } from './stored-statement.js';

export interface TransparencyLedgerOptions {
  /** The ledger's directory (created on first use, locked while open). */
  dir: string;
  /** The service key that signs tree heads; its key id is every receipt's kid. */
  serviceKey: Signer;
  /** The service's CWT issuer in receipts (Microsoft's service uses its host name). */
  issuer: string;
  /** When set, only its issuers may register. */
  trust?: TrustPolicy;
  maxStatementBytes?: number;
  maxBatchEntries?: number;
  maxBatchDelayMs?: number;
  /** At most one signed tree head per this many ms (see LedgerOptions.sealIntervalMs). Default 0. */
  sealIntervalMs?: number;
  /** Time for receipts and certificate checks; tests pin it. */
  clock?: () => Date;
  /**
   * Threads that admit statements (decode, issuer key, signature) while registrations overlap; 0
   * admits every statement on the calling thread. Default: the cores but one, one to four.
   */
  admissionThreads?: number;
}

const ENTRY_ID = /^(0|[1-9]\d{0,15})$/;

/**
 * The embedded transparency service: admits statements under the registration policy, appends them
 * to the durable log, and cuts receipts from the one signed tree head of each batch.
 */
export class TransparencyLedger implements TransparencyService {
  readonly name: string;
  /** Tree sizes of every committed batch, ascending: the batch covering an index is the first size above it. */
  private sealedSizes: number[] = [];
  private readonly seals = new Map<number, BatchSeal>();
  private publicKey: KeyObject | undefined;
  private readonly admission: AdmissionThreads;
  /** Registrations between admission and receipt: while one is, the next is admitted on a thread. */
  private registering = 0;

  private constructor(
    private readonly options: TransparencyLedgerOptions,
    policy: RegistrationPolicy,
    private store: LedgerStore,
  ) {
    this.name = `embedded ledger at ${options.dir}`;
    this.admission = new AdmissionThreads(policy, options.admissionThreads ?? AdmissionThreads.defaultCount());
  }

  static async open(options: TransparencyLedgerOptions): Promise<TransparencyLedger> {
    const threads = options.admissionThreads;
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 0 || threads > 64)) {
      throw new LedgerError('LEDGER_INVALID', `admissionThreads must be an integer from 0 to 64, not ${String(threads)}`);
    }
    const policy: RegistrationPolicy = { maxStatementBytes: options.maxStatementBytes ?? DEFAULT_MAX_STATEMENT_BYTES, trust: options.trust };
    // The store needs the seal hook before the ledger that provides it exists.
    const late: { ledger?: TransparencyLedger } = {};
    const store = await LedgerStore.open(options.dir, {
      seal: (treeSize) => (late.ledger as TransparencyLedger).sealBatch(treeSize),
      maxBatchEntries: options.maxBatchEntries,
      maxBatchDelayMs: options.maxBatchDelayMs,
      sealIntervalMs: options.sealIntervalMs,
      maxStatementBytes: policy.maxStatementBytes,
    });
    const opened = new TransparencyLedger(options, policy, store);
    late.ledger = opened;
    opened.sealedSizes = store.sealedSizes();
    opened.publicKey = options.serviceKey.publicKey ? await options.serviceKey.publicKey() : undefined;
    return opened;
  }

  get treeSize(): number {
    return this.store.size;
  }

  private now(): Date {
    return this.options.clock?.() ?? new Date();
  }

  /**
   * Called by the store once per batch, with the batch's data durable: one signature for all its
   * receipts. Nothing is cached here: the head counts only once the store has made it durable too.
   */
  private async sealBatch(treeSize: number): Promise<Uint8Array> {
    const issuedAt = Math.floor(this.now().getTime() / 1000);
    const head = await signTreeHead({ root: rootAt(treeSize, this.store), issuer: this.options.issuer, issuedAt, signer: this.options.serviceKey, treeSize });
    return encodeSeal({ ...head, treeSize, issuedAt });
  }

  /** Records an acknowledged batch; sizes arrive in commit order, each batch once or more (one per append). */
  private remember(seal: BatchSeal): void {
    this.seals.set(seal.treeSize, seal);
    if ((this.sealedSizes.at(-1) ?? 0) < seal.treeSize) this.sealedSizes.push(seal.treeSize);
  }

  private async sealAt(treeSize: number): Promise<BatchSeal> {
    const cached = this.seals.get(treeSize);
    if (cached) return cached;
    const bytes = await this.store.sealFor(treeSize);
    if (!bytes) throw new LedgerError('LEDGER_UNKNOWN_ENTRY', `no tree head was signed at size ${treeSize}`);
    const seal = decodeSeal(bytes);
    if (this.seals.size > 4096) this.seals.clear();
    this.seals.set(treeSize, seal);
    return seal;
  }

  /** The first committed batch whose tree contains `index`. */
  private async sealCovering(index: number): Promise<BatchSeal> {
    let low = 0;
    let high = this.sealedSizes.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.sealedSizes[middle] as number) > index) high = middle;
      else low = middle + 1;
    }
    const size = this.sealedSizes[low];
    if (size === undefined || size <= index) throw new LedgerError('LEDGER_UNKNOWN_ENTRY', `entry ${index} is not committed`);
    return this.sealAt(size);
  }

  private receiptAt(index: number, seal: BatchSeal): Uint8Array {
    return inclusionReceipt(seal, { treeSize: seal.treeSize, leafIndex: index, path: inclusionProof(index, seal.treeSize, this.store) });
  }

  /**
   * Admits, appends (the signed bytes only, see storedForm) and waits for the durable commit; the
   * same statement twice, whatever receipts it carries, gets the same entry.
   */
  async register(statement: Uint8Array): Promise<Registration & { index: number }> {
    this.registering++;
    try {
      const stored = await this.admission.admit(statement, this.now(), this.registering > 1);
      const { index, treeSize, seal } = await this.store.append(stored.bytes, stored.entry);
      // Every registration of a batch gets the same seal: decode it once. A size is only ever
      // remembered once committed, so the cached seal is the one the store returned.
      const batch = this.seals.get(treeSize) ?? decodeSeal(seal);
      this.remember(batch);
      return { entryId: String(index), index, receipt: this.receiptAt(index, batch) };
    } finally {
      this.registering--;
    }
  }

  parseEntryId(entryId: string): number {
    const index = ENTRY_ID.test(entryId) ? Number(entryId) : NaN;
    if (!Number.isSafeInteger(index) || index >= this.store.size) throw new LedgerError('LEDGER_UNKNOWN_ENTRY', `no entry ${JSON.stringify(entryId).slice(0, 80)}`);
    return index;
  }

  async receipt(entryId: string): Promise<Uint8Array> {
    const index = this.parseEntryId(entryId);
    return this.receiptAt(index, await this.sealCovering(index));
  }

  /** The registered statement with this ledger's receipt, and nothing else, in header 394. */
  async transparentStatement(entryId: string): Promise<Uint8Array> {
    const index = this.parseEntryId(entryId);
    const receipt = this.receiptAt(index, await this.sealCovering(index));
    return withOwnReceipt(await this.store.statement(index), receipt);
  }

  /** The latest signed tree head (COSE_Sign1, root attached, size signed); undefined while the log is empty. */
  async treeHead(): Promise<Uint8Array | undefined> {
    const size = this.sealedSizes.at(-1);
    return size === undefined ? undefined : treeHeadMessage(await this.sealAt(size));
  }

  /** A consistency receipt from `from` to a signed size `to` (default: the latest). */
  async consistency(from: number, to?: number): Promise<Uint8Array> {
    const size2 = to ?? this.sealedSizes.at(-1) ?? 0;
    if (!Number.isSafeInteger(from) || from < 1 || from > size2) throw new LedgerError('LEDGER_INVALID', `from must be between 1 and ${size2}`);
    const seal = await this.sealAt(size2);
    return consistencyReceipt(seal, { size1: from, size2, path: consistencyProof(from, size2, this.store) });
  }

  private verificationKey(): KeyObject {
    if (!this.publicKey) throw new LedgerError('LEDGER_INVALID', 'the service key does not disclose its public key');
    return this.publicKey;
  }

  async serviceKeys(): Promise<ServiceKeys> {
    const key = this.verificationKey();
    return { issuer: this.options.issuer, jwks: { keys: [{ ...publicJwkOf(key), kid: keyIdOf(key), alg: this.options.serviceKey.algorithm.name, use: 'sig' }] } };
  }

  /** The service keys as a COSE_KeySet (/.well-known/scitt-keys): EC2, OKP or RSA, as the key is. */
  coseKeySet(): Uint8Array {
    const key = this.verificationKey();
    return encodeCoseKeySet([publicCoseKeyOf(key, { kid: keyIdOf(key), alg: this.options.serviceKey.algorithm.id })]);
  }

  async close(): Promise<void> {
    try {
      await this.store.close();
    } finally {
      await this.admission.close();
    }
  }
}
