import { oneLine } from '../errors.js';

/** The checks a verdict reports, in the order they are made. */
export type CheckName =
  | 'statement-format' // decodes as a SCITT signed statement
  | 'artifact-digest' // the artifact's bytes are the ones the statement names
  | 'issuer' // the CWT iss is trusted (and a did:x509 iss resolves against the x5chain)
  | 'subject' // the CWT sub is one the issuer may sign for
  | 'key-validity' // the key or certificate was valid at registration time
  | 'statement-validity' // the statement's CWT nbf and exp admit that same time
  | 'statement-signature' // the issuer's signature verifies
  | 'receipts' // enough receipts from trusted services verify
  | 'lock'; // the statement and its entries are the ones the receipt lockfile pinned

export type Outcome = 'pass' | 'fail' | 'skipped';

export interface Check {
  readonly name: CheckName;
  readonly outcome: Outcome;
  /** One line: what was found, or why it was not checked. */
  readonly reason: string;
}

export interface Verdict {
  /** True when no check failed. */
  readonly verified: boolean;
  readonly checks: readonly Check[];
  /** What the statement claims and what its verified receipts say, when it could be read. */
  readonly statement?: StatementFacts;
}

export interface StatementFacts {
  readonly issuer: string;
  readonly subject: string;
  readonly algorithm: string;
  readonly issuedAt?: number;
  /** Hex SHA-256 of the statement with its unprotected header emptied: what transparency services log. */
  readonly statementHash: string;
  /** The receipts that verified under the policy. */
  readonly receipts: readonly ReceiptFacts[];
}

export interface ReceiptFacts {
  readonly service?: string;
  readonly kid: string;
  /** The service's id for the entry: the leaf index for vds 1, the transaction id for vds 2. */
  readonly entryId: string;
  readonly registeredAt?: string;
}

/**
 * A reason already made one line by oneLine. Reasons that repeat from statement to statement (fixed
 * phrases, an issuer of the policy) are made once as a ReasonLine and not scanned again per statement.
 */
export type ReasonLine = string & { readonly __oneLine: true };

export function reasonLine(text: string): ReasonLine {
  return oneLine(text) as ReasonLine;
}

export class VerdictBuilder {
  private readonly checks: Check[] = [];
  private failed = false;

  pass(name: CheckName, reason: string): this {
    return this.add(name, 'pass', reasonLine(reason));
  }

  fail(name: CheckName, reason: string): this {
    return this.add(name, 'fail', reasonLine(reason));
  }

  skip(name: CheckName, reason: string): this {
    return this.add(name, 'skipped', reasonLine(reason));
  }

  /** Records a check whose reason is one line already. */
  add(name: CheckName, outcome: Outcome, reason: ReasonLine): this {
    this.checks.push({ name, outcome, reason });
    if (outcome === 'fail') this.failed = true;
    return this;
  }

  has(name: CheckName, outcome: Outcome): boolean {
    return this.checks.some((check) => check.name === name && check.outcome === outcome);
  }

  build(statement?: Verdict['statement']): Verdict {
    return { verified: !this.failed, checks: this.checks.slice(), statement };
  }
}

/** The first failed check, for a one-line answer. */
export function firstFailure(verdict: Verdict): Check | undefined {
  return verdict.checks.find((check) => check.outcome === 'fail');
}
