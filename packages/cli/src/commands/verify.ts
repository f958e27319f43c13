import type { Check } from '@countersign/core';
import { flag, requiredOption, stringOption, usage } from '../args.js';
import { readPolicyFile } from '../io/policy-file.js';
import { verifyArtifact, type VerifyStepResult } from '../steps/verify.js';
import { JSON_OPTION, printJson, type Command } from './command.js';

const MARK: Record<Check['outcome'], string> = { pass: 'ok  ', fail: 'FAIL', skipped: 'skip' };

export function renderVerdict(result: VerifyStepResult): string {
  const { verdict } = result;
  const width = Math.max(...verdict.checks.map((check) => check.name.length));
  const lines = verdict.checks.map((check) => `  ${MARK[check.outcome]}  ${check.name.padEnd(width)}  ${check.reason}`);
  const headline = verdict.verified ? `verified: ${result.artifact}` : `NOT VERIFIED: ${result.artifact}`;
  return [headline, ...lines].join('\n');
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check an artifact against its signed statement under a trust policy',
  help: `Usage: countersign verify (FILE | --digest ALG:HEX) --statement FILE.cose --trust trust.json
                         [--allow-unlogged] [--json]

Checks that the artifact's digest is the one the statement names, that the statement's issuer and
subject are trusted by the policy, that the issuer's key was valid, that the signature verifies,
and that the statement carries a receipt from a trusted transparency service.
  --allow-unlogged   let a statement without a receipt pass (before it has been registered)
  --json             print every check with its outcome and reason
Exit codes: 0 verified, 1 verification failed, 2 wrong usage or unreadable input.`,
  options: {
    digest: { type: 'string' },
    statement: { type: 'string' },
    trust: { type: 'string' },
    'allow-unlogged': { type: 'boolean' },
    ...JSON_OPTION,
  },
  positionals: { min: 0, max: 1, name: 'FILE' },
  async run(args, context) {
    const file = args.positionals[0];
    const digest = stringOption(args, 'digest');
    if (file && digest) throw usage(this, 'give either FILE or --digest, not both');
    if (!file && !digest) throw usage(this, 'missing FILE (or --digest ALG:HEX)');
    const statementPath = requiredOption(this, args, 'statement');
    const policy = await readPolicyFile(requiredOption(this, args, 'trust'));
    const result = await verifyArtifact(
      { statementPath, artifact: file ? { file } : { digest: digest as string }, policy, allowUnlogged: flag(args, 'allow-unlogged') },
      context.host,
    );
    if (context.json) printJson(context, { artifact: result.artifact, statement: result.statementPath, ...result.verdict });
    else context.print(renderVerdict(result));
    return result.verdict.verified ? 0 : 1;
  },
};
