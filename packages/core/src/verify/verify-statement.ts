import { timingSafeEqual } from 'node:crypto';
import type { HashAlgorithm } from '../digest/hash-algorithms.js';
import { isCountersignError } from '../errors.js';
import { artifactHashAlgorithm, expectedArtifactDigest } from '../statement/payload.js';
import { statementEntryHex } from '../receipts/entry.js';
import type { ReceiptSignatureCache } from '../receipts/signature-cache.js';
import { parseSignedStatement, verifyStatementSignature, type SignedStatement } from '../statement/signed-statement.js';
import { checkStatementValidAt, formatNumericDate } from '../statement/validity-period.js';
import { subjectMatches } from '../trust/subject-pattern.js';
import type { TrustPolicy } from '../trust/policy.js';
import { issuerKey } from './issuer-key.js';
import { checkReceipts, type CountedReceipt, type ReceiptsOutcome } from './receipts-check.js';
import { VerdictBuilder, reasonLine, type ReasonLine, type Verdict } from './verdict.js';
import { toHex } from '../hex.js';

export interface ArtifactDigest {
  algorithm: HashAlgorithm;
  digest: Uint8Array;
}

export interface VerifyStatementInput {
  statement: Uint8Array;
  /** The artifact's digest in the algorithm `requiredArtifactHash` names for this statement. */
  artifact: ArtifactDigest;
  policy: TrustPolicy;
  /** Let a statement without receipts pass (until it has been logged). */
  allowUnlogged?: boolean;
  /** The time keys and certificates are judged at when no receipt gives a registration time. */
  now?: Date;
  /** `statement` already parsed (callers that needed its hash algorithm first); parsed here otherwise. */
  parsed?: SignedStatement;
  /**
   * Receipt signatures already verified in this batch (see ReceiptSignatureCache): receipts issued
   * together share one, checked once. The statement's own signature is always checked.
   */
  receiptSignatures?: ReceiptSignatureCache;
}

// A batch judges every statement at the same time, and most reasons come from a handful of values:
// such phrases are made once, not per statement.
let lastValidAt = { ms: NaN, when: '', text: '' as ReasonLine };
function validAtPhrase(at: Date, when: string): ReasonLine {
  const ms = at.getTime();
  if (ms !== lastValidAt.ms || when !== lastValidAt.when) lastValidAt = { ms, when, text: reasonLine(`valid at ${at.toISOString()} (${when})`) };
  return lastValidAt.text;
}

// Receipts issued together share their iat: its ISO form is made once per run of them.
let lastIso = { seconds: NaN, text: '' };
function isoTime(seconds: number): string {
  if (seconds !== lastIso.seconds) lastIso = { seconds, text: new Date(seconds * 1000).toISOString() };
  return lastIso.text;
}

// Reasons made only of names countersign defines (algorithm, payload kind) or the policy holds (a trusted
// issuer and its key): one string per combination.
class Phrases {
  private readonly byFirst = new Map<string, Map<string, ReasonLine>>();
  // A batch asks for the same combination statement after statement: that one is answered without a lookup.
  private last = { first: '', second: '', line: '' as ReasonLine };

  constructor(private readonly make: (first: string, second: string) => string) {}

  get(first: string, second: string): ReasonLine {
    const { last } = this;
    if (first === last.first && second === last.second && last.line !== '') return last.line;
    let inner = this.byFirst.get(first);
    if (!inner) this.byFirst.set(first, (inner = new Map()));
    let line = inner.get(second);
    if (line === undefined) inner.set(second, (line = reasonLine(this.make(first, second))));
    this.last = { first, second, line };
    return line;
  }
}

const formatPhrases = new Phrases((algorithm, kind) => `${algorithm} signed statement, ${kind} payload`);
const issuerPhrases = new Phrases((iss, source) => `${iss} (${source})`);
const signaturePhrases = new Phrases((algorithm) => `${algorithm} signature verifies`);

/** What checkReceipts finds when there is no receipt, made once: nothing writes to an outcome after it is made. */
const NO_RECEIPTS: ReceiptsOutcome = Object.freeze({
  verified: Object.freeze([]) as unknown as CountedReceipt[],
  counted: Object.freeze([]) as unknown as CountedReceipt[],
  problems: Object.freeze([]) as unknown as string[],
  repeats: Object.freeze([]) as unknown as string[],
  failed: 0,
  ignored: 0,
});

const NO_VALIDITY_PERIOD = reasonLine('no CWT nbf or exp: valid at any time');
const UNLOGGED_ALLOWED = reasonLine('no receipt; unlogged statements allowed');
const NO_RECEIPT_REQUIRED = reasonLine('the policy requires no receipt');

function checkArtifact(verdict: VerdictBuilder, statement: SignedStatement, artifact: ArtifactDigest): void {
  const algorithm = artifactHashAlgorithm(statement.payload);
  if (artifact.algorithm.name !== algorithm.name) {
    verdict.fail('artifact-digest', `statement names a ${algorithm.name} digest, but a ${artifact.algorithm.name} digest was given`);
    return;
  }
  const expected = expectedArtifactDigest(statement.payload);
  if (expected.length === artifact.digest.length && timingSafeEqual(expected, artifact.digest)) {
    // A name countersign defines and hex: one line as made.
    verdict.add('artifact-digest', 'pass', `${algorithm.name}:${toHex(expected)}` as ReasonLine);
  } else {
    verdict.fail('artifact-digest', `artifact ${algorithm.name} is ${toHex(artifact.digest)}, statement names ${toHex(expected)}`);
  }
}

function servicesOf(receipts: readonly CountedReceipt[]): string {
  if (receipts.length === 1) return (receipts[0] as CountedReceipt).issuer ?? 'unnamed service';
  return receipts.map((receipt) => receipt.issuer ?? 'unnamed service').join(', ');
}

// The statements of a batch are mostly logged with the same services: the reason made for the last
// combination is reused when the next one is the same (service names compared as text).
let lastVerified = { counted: 0, minimum: 0, services: '', line: '' as ReasonLine };
function receiptsVerifiedLine(counted: number, minimum: number, services: string): ReasonLine {
  const last = lastVerified;
  if (counted === last.counted && minimum === last.minimum && services === last.services && last.line !== '') return last.line;
  const line = reasonLine(`${counted} service(s) verified, ${minimum} required: ${services}`);
  lastVerified = { counted, minimum, services, line };
  return line;
}

function reportReceipts(verdict: VerdictBuilder, present: number, outcome: ReceiptsOutcome, minimum: number, allowUnlogged: boolean): void {
  const counted = outcome.counted.length;
  const repeats = outcome.repeats.length ? `; ${outcome.repeats.join('; ')}` : '';
  if (outcome.failed > 0) {
    verdict.fail('receipts', outcome.problems.join('; '));
  } else if (counted >= minimum && counted > 0) {
    verdict.add('receipts', 'pass', receiptsVerifiedLine(counted, minimum, `${servicesOf(outcome.counted)}${repeats}`));
  } else if (counted >= minimum) {
    verdict.add('receipts', 'pass', NO_RECEIPT_REQUIRED);
  } else if (allowUnlogged) {
    if (present === 0) verdict.add('receipts', 'skipped', UNLOGGED_ALLOWED);
    else verdict.skip('receipts', `${counted} of ${minimum} required service(s) verified; unlogged statements allowed`);
  } else if (present === 0) {
    verdict.fail('receipts', 'statement has no receipt: register it with a transparency service, or allow unlogged statements');
  } else {
    const found = counted > 0 ? ` (${servicesOf(outcome.counted)})` : '';
    const problems = outcome.problems.length ? `; ${outcome.problems.join('; ')}` : '';
    const ignored = outcome.ignored > 0 ? `; ${outcome.ignored} from unlisted services ignored` : '';
    verdict.fail('receipts', `${counted} of ${minimum} required service(s) verified${found}${repeats}${problems}${ignored}`);
  }
}

/** The statement's CWT nbf and exp, judged at the same time as its key. */
function checkValidityPeriod(verdict: VerdictBuilder, statement: SignedStatement, at: Date, when: string): void {
  const { nbf, exp } = statement.claims;
  if (nbf === undefined && exp === undefined) {
    verdict.add('statement-validity', 'pass', NO_VALIDITY_PERIOD);
    return;
  }
  try {
    checkStatementValidAt(statement.claims, at);
    const window = `${nbf === undefined ? '' : `from ${formatNumericDate(nbf)} `}${exp === undefined ? '' : `until ${formatNumericDate(exp)} `}`;
    verdict.pass('statement-validity', `valid ${window}at ${at.toISOString()} (${when})`);
  } catch (error) {
    if (!isCountersignError(error)) throw error;
    verdict.fail('statement-validity', `${error.message} (${when})`);
  }
}

function issuerRule(policy: TrustPolicy, iss: string): TrustPolicy['issuers'][number] | undefined {
  for (const rule of policy.issuers) if (rule.iss === iss) return rule;
  return undefined;
}

function checkIssuer(verdict: VerdictBuilder, statement: SignedStatement, policy: TrustPolicy, at: Date, when: string): void {
  const { iss, sub } = statement.claims;
  const rule = issuerRule(policy, iss);
  if (!rule) {
    verdict.fail('issuer', `issuer ${iss} is not in the trust policy`);
    verdict.skip('subject', 'issuer not trusted');
    verdict.skip('key-validity', 'issuer not trusted');
    verdict.skip('statement-signature', 'no trusted key to check it with');
    return;
  }
  const key = issuerKey(statement, rule, at);
  // Only an issuer of the policy gets here: one phrase per issuer and key source, not one per statement
  // (looked up by the policy's own string, equal to iss, whose hash is computed once).
  if (key.ok) verdict.add('issuer', 'pass', issuerPhrases.get(rule.iss, key.source));
  else if (key.check === 'issuer') verdict.fail('issuer', key.reason);
  else verdict.pass('issuer', iss);

  const allowed = rule.subjects === undefined || rule.subjects.some((pattern) => subjectMatches(pattern, sub));
  if (allowed) verdict.pass('subject', sub);
  else verdict.fail('subject', `subject ${sub} is not among ${rule.subjects?.join(', ')}`);

  if (key.ok) verdict.add('key-validity', 'pass', validAtPhrase(at, when));
  else if (key.check === 'key-validity') verdict.fail('key-validity', key.reason);
  else verdict.skip('key-validity', 'no trusted key');

  if (!key.ok) {
    verdict.skip('statement-signature', 'no trusted key to check it with');
    return;
  }
  try {
    verifyStatementSignature(statement, key.publicKey);
    verdict.add('statement-signature', 'pass', signaturePhrases.get(statement.algorithm.name, ''));
  } catch (error) {
    if (!isCountersignError(error)) throw error;
    verdict.fail('statement-signature', error.message);
  }
}

/** One record per service entry: a receipt repeated or re-encoded names the same entry. */
function distinctEntries(receipts: readonly CountedReceipt[]): readonly CountedReceipt[] {
  if (receipts.length < 2) return receipts;
  const seen = new Set<string>();
  return receipts.filter((receipt) => {
    const key = JSON.stringify([receipt.issuer ?? null, receipt.entryId]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Decides whether an artifact may be released on the strength of its signed statement: every check
 * runs that can, and each says why it passed or failed, so a refused release names its cause.
 */
export function verifyStatement(input: VerifyStatementInput): Verdict {
  const verdict = new VerdictBuilder();
  let statement: SignedStatement;
  try {
    statement = input.parsed ?? parseSignedStatement(input.statement);
  } catch (error) {
    if (!isCountersignError(error)) throw error;
    return verdict.fail('statement-format', error.message).build();
  }
  const { name } = statement.algorithm;
  const { kind } = statement.payload;
  verdict.add('statement-format', 'pass', formatPhrases.get(name, kind));
  checkArtifact(verdict, statement, input.artifact);

  const receipts = statement.receipts.length === 0 ? NO_RECEIPTS : checkReceipts(statement.receipts, statement.message, input.policy, { signatureCache: input.receiptSignatures });
  // Keys and certificates are judged when the statement was registered, which only a verified receipt can tell.
  const registeredAt = receipts.verified.length === 0 ? Infinity : Math.min(...receipts.verified.map((receipt) => receipt.issuedAt ?? Infinity));
  const at = Number.isFinite(registeredAt) ? new Date(registeredAt * 1000) : (input.now ?? new Date());
  const when = Number.isFinite(registeredAt) ? 'registration time' : 'verification time';
  checkIssuer(verdict, statement, input.policy, at, when);
  checkValidityPeriod(verdict, statement, at, when);
  reportReceipts(verdict, statement.receipts.length, receipts, input.policy.receipts.minimum, input.allowUnlogged === true);

  const { iss, sub, iat } = statement.claims;
  return verdict.build({
    issuer: iss,
    subject: sub,
    algorithm: statement.algorithm.name,
    issuedAt: iat,
    statementHash: statementEntryHex(statement.message),
    receipts: distinctEntries(receipts.verified).map((receipt) => ({
      service: receipt.issuer,
      kid: receipt.kid,
      entryId: receipt.entryId,
      registeredAt: receipt.issuedAt === undefined ? undefined : isoTime(receipt.issuedAt),
    })),
  });
}
