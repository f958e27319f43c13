import { isCountersignError, jwksKeyResolver, toHex, verifyConsistencyReceipt, verifyTreeHead, type JsonWebKeySet, type TrustPolicy } from '@countersign/core';
import { requiredOption, stringOption, usage, type ParsedArgs } from '../args.js';
import { CliError } from '../errors.js';
import { readPolicyFile } from '@countersign/steps';
import { SERVICE_OPTIONS, SERVICE_OPTIONS_HELP, serviceClientFromArgs } from '../transparency/client-from-args.js';
import type { ScrapiClient } from '@countersign/steps';
import { JSON_OPTION, printJson, type Command, type CommandContext } from './command.js';

/** The service's keys: pinned in a trust policy when one is given, else fetched from the service now. */
async function serviceJwks(client: ScrapiClient, policy: { path: string; policy: TrustPolicy } | undefined): Promise<{ issuer: string; jwks: JsonWebKeySet; pinned: boolean }> {
  const live = await client.serviceKeys();
  if (!policy) return { ...live, pinned: false };
  const policyPath = policy.path;
  const service = policy.policy.services.find((candidate) => candidate.iss === live.issuer);
  if (!service) throw new CliError('INPUT_UNREADABLE', `${policyPath} does not trust service ${live.issuer}`);
  return { issuer: service.iss, jwks: service.jwks, pinned: true };
}

/** The --trust policy, if any, and the client for --service, which pins the identity the policy stores for it. */
async function openLedger(command: Command, args: ParsedArgs, context: CommandContext): Promise<{ client: ScrapiClient; policy?: { path: string; policy: TrustPolicy } }> {
  const path = stringOption(args, 'trust');
  const policy = path ? { path, policy: await readPolicyFile(path) } : undefined;
  const { client } = await serviceClientFromArgs(command, args, context.host, { url: requiredOption(command, args, 'service'), timeoutMs: 30_000, policy: policy?.policy });
  return { client, policy };
}

export const ledgerTreeHeadCommand: Command = {
  name: 'ledger tree-head',
  summary: "print a ledger's current tree head after checking its signature",
  help: `Usage: countersign ledger tree-head --service URL [--trust trust.json] [--service-identity FILE] [--json]

Fetches GET /log/tree-head, checks its signature with the service key (pinned in --trust, or
fetched from the service now) and prints {treeSize, rootHash}.
${SERVICE_OPTIONS_HELP}`,
  options: { service: { type: 'string' }, trust: { type: 'string' }, ...SERVICE_OPTIONS, ...JSON_OPTION },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const { client, policy } = await openLedger(this, args, context);
    try {
      const { jwks, pinned } = await serviceJwks(client, policy);
      const head = verifyTreeHead(await client.treeHead(), jwksKeyResolver(jwks));
      const result = { treeSize: head.treeSize, rootHash: toHex(head.root), issuer: head.issuer, issuedAt: head.issuedAt, keyPinned: pinned };
      if (context.json) printJson(context, result);
      else context.print(JSON.stringify({ treeSize: result.treeSize, rootHash: result.rootHash }));
      return 0;
    } catch (error) {
      if (!isCountersignError(error) || error.area !== 'receipt') throw error;
      context.host.warn(`tree head does not verify: ${error.message}`);
      return 1;
    } finally {
      client.close();
    }
  },
};

export const ledgerConsistencyCommand: Command = {
  name: 'ledger consistency',
  summary: "prove that a ledger's current tree extends one seen before",
  help: `Usage: countersign ledger consistency --service URL --from SIZE --root HEX [--trust trust.json]
                                     [--service-identity FILE] [--json]

Fetches a consistency proof from SIZE to the current tree (GET /log/consistency), checks it from
the root HEX you saw at SIZE and checks the service's signature over the new root.
Exit codes: 0 the current tree extends the one given, 1 it does not (or the proof is bad), 2 wrong usage.
${SERVICE_OPTIONS_HELP}`,
  options: { service: { type: 'string' }, from: { type: 'string' }, root: { type: 'string' }, trust: { type: 'string' }, ...SERVICE_OPTIONS, ...JSON_OPTION },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const from = Number(requiredOption(this, args, 'from'));
    if (!Number.isSafeInteger(from) || from < 1) throw usage(this, '--from must be a tree size of at least 1');
    const rootHex = requiredOption(this, args, 'root');
    if (!/^[0-9a-fA-F]{64}$/.test(rootHex)) throw usage(this, '--root must be 64 hex digits');
    const { client, policy } = await openLedger(this, args, context);
    try {
      const { jwks } = await serviceJwks(client, policy);
      const proof = verifyConsistencyReceipt(await client.consistency(from), Uint8Array.from(Buffer.from(rootHex, 'hex')), jwksKeyResolver(jwks));
      const result = { consistent: true, from: proof.size1, treeSize: proof.size2, rootHash: toHex(proof.root2) };
      if (context.json) printJson(context, result);
      else context.print(`consistent: tree of ${proof.size2} extends tree of ${proof.size1}; root ${result.rootHash}`);
      return 0;
    } catch (error) {
      if (!isCountersignError(error) || error.area !== 'receipt') throw error;
      context.host.warn(`NOT consistent with size ${from}: ${error.message}`);
      if (context.json) printJson(context, { consistent: false, from, reason: error.message });
      return 1;
    } finally {
      client.close();
    }
  },
};
