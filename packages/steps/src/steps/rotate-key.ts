import { join } from 'node:path';
import {
  canonicalPublicJwk,
  checkKeyRotationStatement,
  createKeyRotationStatement,
  embedReceipts,
  isCountersignError,
  issuersTrustingKey,
  jwksKeyResolver,
  keyIdOf,
  parseSignedStatement,
  readReceiptSummary,
  receiptsOf,
  rotateIssuerKey,
  rotationConflict,
  verifyReceipt,
  verifyStatementSignature,
  type JsonWebKeySet,
  type Signer,
  type TrustPolicy,
} from '@countersign/core';
import { StepError } from '../errors.js';
import type { Host } from '../host.js';
import { exists, readInput, writeOutput } from '../io/files.js';
import { readPolicyFile, writePolicyFile } from '../io/policy-file.js';
import type { KeyVersion, KeyVersions } from '../key-versions.js';
import type { ServiceOpener, ServiceSession } from '../service-session.js';

export interface RotateKeyInput<RotationPolicy = unknown> {
  /**
   * The key, opened by the front end at the URL it was given: without a version its latest version is
   * retired; with one, that version is (and if it is no longer the latest, the rotation to the latest is finished).
   */
  keyVersions: KeyVersions<RotationPolicy>;
  /** A signer for a version of the key (the previous one signs the rotation statement). */
  signerFor(version: KeyVersion): Promise<Signer>;
  /** The trust policy whose windows the rotation sets. */
  policyPath?: string;
  /** The CWT iss the key signs as; by default the policy's issuer holding the previous version, else its key id. */
  issuer?: string;
  /** The service to register the rotation statement with, opened only when a statement needs registering or its receipt's keys are not pinned. */
  openService: ServiceOpener;
  /** Set on the key before a new version is made. */
  rotationPolicy?: RotationPolicy;
  disablePrevious?: boolean;
  /** Where NAME-VERSION.jwk and its rotation statement NAME-VERSION.jwk.cose go. */
  outDir?: string;
  now?: Date;
}

export interface RotateKeyResult {
  key: string;
  issuer: string;
  previousKeyVersion: string;
  previousKid: string;
  newKeyVersion: string;
  newKid: string;
  /** ISO 8601: the iat of the rotation statement's verified receipt. */
  registeredAt: string;
  entryId: string;
  service: string;
  statementPath: string;
  publicKeyPath: string;
  /** True when this run finished a rotation an earlier run began (no new version was made). */
  resumed: boolean;
  policyPath?: string;
  policyChanged: boolean;
  previousDisabled: boolean;
}

/** The issuer the rotated key signs as: named, or the one the policy trusts the previous version for. */
function chooseIssuer(input: RotateKeyInput, policy: TrustPolicy | undefined, previous: KeyVersion): string {
  if (input.issuer) return input.issuer;
  const trusting = policy ? issuersTrustingKey(policy, previous.publicKey) : [];
  if (trusting.length === 1) return trusting[0] as string;
  const kid = keyIdOf(previous.publicKey);
  if (trusting.length > 1) throw new StepError('STEP_USAGE', `the trust policy trusts key ${kid} for ${trusting.length} issuers (${trusting.join(', ')}): name the one it signs as`, { input: 'issuer' });
  if (policy) throw new StepError('STEP_USAGE', `the trust policy does not trust ${previous.versionUrl} (key ${kid}) for any issuer: name the issuer it signs as`, { input: 'issuer' });
  return kid;
}

/** A statement already at the rotation's path must be this rotation, signed by the previous version. */
function checkExistingStatement(bytes: Uint8Array, path: string, previous: KeyVersion, next: KeyVersion): void {
  try {
    const statement = parseSignedStatement(bytes);
    checkKeyRotationStatement(statement, previous.publicKey, next.publicKey);
    verifyStatementSignature(statement, previous.publicKey);
  } catch (error) {
    if (!isCountersignError(error)) throw error;
    throw new StepError('STEP_ROTATION_STATEMENT_MISMATCH', `${path} is not the rotation from ${previous.versionUrl} to ${next.versionUrl}: ${error.message}`);
  }
}

/** Receipt keys: the ones the policy pins for the receipt's service, else the ones the service serves now. */
async function receiptKeys(receipt: Uint8Array, policy: TrustPolicy | undefined, service: () => Promise<ServiceSession>, host: Host): Promise<JsonWebKeySet> {
  const issuer = readReceiptSummary(receipt).issuer;
  const pinned = policy?.services.find((rule) => rule.iss === issuer);
  if (pinned) return pinned.jwks;
  if (policy) host.warn(`the trust policy does not trust receipts from ${issuer ?? 'this service'}: statements it logs will not verify under it until you pin it (countersign trust add-service)`);
  const { service: opened } = await service();
  return (await opened.serviceKeys()).jwks;
}

interface Registered {
  statement: Uint8Array;
  entryId: string;
  registeredAt: string;
  serviceName: string;
}

/**
 * Signs (or finds) the rotation statement, registers it (unless it already carries a receipt) and
 * returns the registration time its verified receipt gives. The unlogged statement is written before
 * registering, so a run that fails later finds it and registers the same bytes.
 */
async function registerRotation(
  input: RotateKeyInput,
  paths: { statementPath: string; publicKeyPath: string },
  context: { issuer: string; keyUrl: string; previous: KeyVersion; next: KeyVersion; policy?: TrustPolicy; signer: () => Promise<Signer> },
  host: Host,
): Promise<Registered> {
  const { previous, next } = context;
  await writeOutput(paths.publicKeyPath, canonicalPublicJwk(next.publicKey));
  let statement: Uint8Array;
  if (await exists(paths.statementPath)) {
    statement = await readInput(paths.statementPath, 'rotation statement', 1024 * 1024);
    checkExistingStatement(statement, paths.statementPath, previous, next);
    host.info(`found the rotation statement ${paths.statementPath} of an earlier run`);
  } else {
    const issuedAt = Math.floor((input.now ?? new Date()).getTime() / 1000);
    statement = await createKeyRotationStatement({ issuer: context.issuer, keyName: context.keyUrl, newKey: next.publicKey, newKeyLocation: next.versionUrl, issuedAt }, await context.signer());
    await writeOutput(paths.statementPath, statement);
    host.info(`signed the rotation statement ${paths.statementPath} with ${previous.versionUrl}`);
  }

  let opened: ServiceSession | undefined;
  const service = async (): Promise<ServiceSession> => (opened ??= await input.openService({ issuer: context.issuer, publicKey: previous.publicKey }));
  try {
    let receipt = receiptsOf(statement)[0];
    let entryId: string | undefined;
    const fresh = receipt === undefined;
    if (!receipt) {
      ({ entryId, receipt } = await (await service()).service.register(statement));
    }
    const verified = verifyReceipt(receipt, statement, jwksKeyResolver(await receiptKeys(receipt, context.policy, service, host)));
    if (verified.issuedAt === undefined) {
      throw new StepError('STEP_ROTATION_NO_REGISTRATION_TIME', `the receipt for ${paths.statementPath} gives no registration time (CWT iat), so the rotation cannot be dated`);
    }
    entryId ??= verified.vds === 1 ? String(verified.leafIndex) : (verified.entryId ?? 'unknown');
    if (fresh) {
      statement = embedReceipts(statement, [receipt]);
      await writeOutput(paths.statementPath, statement);
    }
    const serviceName = opened?.service.name ?? verified.issuer ?? 'the service that issued its receipt';
    return { statement, entryId, registeredAt: new Date(verified.issuedAt * 1000).toISOString(), serviceName };
  } finally {
    await opened?.close();
  }
}

function incomplete(error: unknown, what: string, previous: KeyVersion, next: KeyVersion): never {
  if (!isCountersignError(error)) throw error;
  throw new StepError('STEP_ROTATION_INCOMPLETE', `${next.versionUrl} exists but ${what} failed (${error.message}); rotate again from the key version ${previous.versionUrl}, with the same inputs, to finish`, {
    resumeKeyUrl: previous.versionUrl,
    cause: error,
  });
}

/**
 * Rotates a Key Vault key with the rotation in the log: a new version, a statement signed by the
 * previous version naming the new one's public key, registered; then the trust policy's windows move
 * to the registration time its receipt gives, and the previous version is disabled when asked. Each
 * part can be run again: the run that finishes an interrupted rotation names the previous version.
 */
export async function rotateKey<RotationPolicy>(input: RotateKeyInput<RotationPolicy>, host: Host): Promise<RotateKeyResult> {
  const versions = input.keyVersions;
  const policy = input.policyPath ? await readPolicyFile(input.policyPath) : undefined;
  const latest = await versions.read();
  const previous = versions.key.version ? await versions.read(versions.key.version) : latest;
  const resumed = previous.version !== latest.version;
  const issuer = chooseIssuer(input, policy, previous);
  const conflict = policy && !resumed ? rotationConflict(policy, { iss: issuer, previous: previous.publicKey }) : undefined;
  if (conflict) throw new StepError('STEP_USAGE', `${input.policyPath}: ${conflict}; nothing was changed`);

  let signer: Signer | undefined;
  const openSigner = async (): Promise<Signer> => (signer ??= await input.signerFor(previous));
  // A previous version that cannot sign cannot vouch for its successor: found out before a version is made.
  if (!resumed) await openSigner();
  if (input.rotationPolicy) {
    await versions.applyRotationPolicy(input.rotationPolicy);
    host.info(`set the rotation policy of ${versions.keyUrl}`);
  }
  const next = resumed ? latest : await versions.rotate();
  host.info(resumed ? `finishing the rotation of ${previous.versionUrl} to ${next.versionUrl}` : `created ${next.versionUrl}`);

  const base = join(input.outDir ?? '.', `${versions.key.name}-${next.version}.jwk`);
  const paths = { publicKeyPath: base, statementPath: `${base}.cose` };
  let registered: Registered;
  try {
    registered = await registerRotation(input, paths, { issuer, keyUrl: versions.keyUrl, previous, next, policy, signer: openSigner }, host);
  } catch (error) {
    incomplete(error, 'registering the rotation statement', previous, next);
  }
  host.info(`registered the rotation as entry ${registered.entryId} in ${registered.serviceName} at ${registered.registeredAt}`);

  let policyChanged = false;
  if (policy && input.policyPath) {
    try {
      const rotated = rotateIssuerKey(policy, { iss: issuer, previous: previous.publicKey, next: next.publicKey, at: registered.registeredAt });
      if (rotated.changed) await writePolicyFile(input.policyPath, rotated.policy);
      policyChanged = rotated.changed;
      if (rotated.adoptedPrevious) host.info(`${input.policyPath} did not list ${previous.versionUrl} for ${issuer}: added it, retired at ${registered.registeredAt}`);
    } catch (error) {
      incomplete(error, `updating ${input.policyPath}`, previous, next);
    }
    host.info(`${input.policyPath}: key ${keyIdOf(previous.publicKey)} retired and key ${keyIdOf(next.publicKey)} valid from ${registered.registeredAt}`);
  }

  if (input.disablePrevious) {
    try {
      await versions.disable(previous.version);
    } catch (error) {
      incomplete(error, `disabling ${previous.versionUrl}`, previous, next);
    }
    host.info(`disabled ${previous.versionUrl}`);
  }

  const result: RotateKeyResult = {
    key: versions.keyUrl,
    issuer,
    previousKeyVersion: previous.versionUrl,
    previousKid: keyIdOf(previous.publicKey),
    newKeyVersion: next.versionUrl,
    newKid: keyIdOf(next.publicKey),
    registeredAt: registered.registeredAt,
    entryId: registered.entryId,
    service: registered.serviceName,
    statementPath: paths.statementPath,
    publicKeyPath: paths.publicKeyPath,
    resumed,
    ...(input.policyPath ? { policyPath: input.policyPath } : {}),
    policyChanged,
    previousDisabled: input.disablePrevious === true,
  };
  host.setOutput('new-key-version', result.newKeyVersion);
  host.setOutput('previous-key-version', result.previousKeyVersion);
  host.setOutput('registered-at', result.registeredAt);
  host.setOutput('entry-id', result.entryId);
  host.setOutput('statement-path', result.statementPath);
  return result;
}
