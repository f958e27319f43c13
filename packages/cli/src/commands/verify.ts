import type { Check } from '@countersign/core';
import { verifyStep, type VerifyStepResult } from '@countersign/steps';
import { flag, listOption, requiredOption, stringOption, usage } from '../args.js';
import { JSON_OPTION, printJson, type Command } from './command.js';

const MARK: Record<Check['outcome'], string> = { pass: 'ok  ', fail: 'FAIL', skipped: 'skip' };

export function renderVerdict(result: VerifyStepResult): string {
  const { verdict } = result;
  const width = Math.max(...verdict.checks.map((check) => check.name.length));
  const lines = verdict.checks.map((check) => `  ${MARK[check.outcome]}  ${check.name.padEnd(width)}  ${check.reason}`);
  const headline = verdict.verified ? `verified: ${result.artifact}` : `NOT VERIFIED: ${result.artifact}`;
  return [headline, ...lines].join('\n');
}

/** One line per artifact, for batches. */
function renderLine(result: VerifyStepResult): string {
  const failure = result.verdict.checks.find((check) => check.outcome === 'fail');
  return failure ? `NOT VERIFIED: ${result.artifact} (${failure.name}: ${failure.reason})` : `verified: ${result.artifact}`;
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check artifacts against their signed statements and receipts under a trust policy',
  help: `Usage: countersign verify FILE --statement FILE.cose --trust trust.json [options]
       countersign verify --digest ALG:HEX --statement FILE.cose --trust trust.json [options]
       countersign verify FILE... --trust trust.json [options]          (statements: FILE.cose beside each)
       countersign verify --statement-glob 'dist/*.cose' --trust trust.json [options]   (artifacts: the names without .cose)

Checks, for each artifact, that its digest is the one the statement names, that the statement's
issuer and subject are trusted by the policy, that the issuer's key or certificate was valid when
the statement was registered, that the signature verifies, and that enough receipts from trusted
transparency services verify and are bound to this very statement. Batches use every core.
  --allow-unlogged   let a statement without a receipt pass (before it has been registered)
  --lock FILE        compare with a receipt lockfile: a different statement or another entry for an
                     artifact it pins fails (re-signing, split view)
  --update-lock      record verified artifacts that the lockfile does not pin yet
  --summary FILE     append a Markdown report (a table per artifact) to FILE, e.g. $GITHUB_STEP_SUMMARY
  --concurrency N    threads a large batch is verified on (default: every core, 1 to 256)
  --json             print every check with its outcome and reason
Exit codes: 0 all verified, 1 a verification failed, 2 wrong usage or unreadable input.`,
  options: {
    digest: { type: 'string' },
    statement: { type: 'string' },
    'statement-glob': { type: 'string', multiple: true },
    trust: { type: 'string' },
    'allow-unlogged': { type: 'boolean' },
    lock: { type: 'string' },
    'update-lock': { type: 'boolean' },
    summary: { type: 'string' },
    concurrency: { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: { min: 0, max: Infinity, name: 'FILE' },
  async run(args, context) {
    const concurrencyText = stringOption(args, 'concurrency');
    const concurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)) throw usage(this, '--concurrency must be a whole number from 1 to 256');
    const { pairs, results, verified } = await verifyStep(
      {
        artifacts: args.positionals,
        digest: stringOption(args, 'digest'),
        statement: stringOption(args, 'statement'),
        statementGlobs: listOption(args, 'statement-glob'),
        trustPolicy: requiredOption(this, args, 'trust'),
        allowUnlogged: flag(args, 'allow-unlogged'),
        lockfile: stringOption(args, 'lock'),
        updateLockfile: flag(args, 'update-lock'),
        concurrency,
      },
      context.host,
    );
    const single = pairs.length === 1 && !args.values['statement-glob'];
    const shaped = (result: VerifyStepResult): object => ({ artifact: result.artifact, statement: result.statementPath, artifactDigest: result.artifactDigest, ...result.verdict });
    if (context.json) printJson(context, single ? shaped(results[0] as VerifyStepResult) : results.map(shaped));
    else context.print(single ? renderVerdict(results[0] as VerifyStepResult) : results.map(renderLine).join('\n'));
    return verified ? 0 : 1;
  },
};
