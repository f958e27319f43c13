import { appendFile } from 'node:fs/promises';
import type { Check } from '@countersign/core';
import { flag, listOption, requiredOption, stringOption, usage, type ParsedArgs } from '../args.js';
import { CliError } from '../errors.js';
import { readPolicyFile } from '../io/policy-file.js';
import { expandStatementGlob } from '../io/statement-glob.js';
import { verdictsMarkdown } from '../steps/summary.js';
import { verifyArtifacts, type VerifyPair, type VerifyStepResult } from '../steps/verify.js';
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

const stripCose = (path: string): string => (path.endsWith('.cose') ? path.slice(0, -'.cose'.length) : path);

/** The (artifact, statement) pairs the arguments name. */
async function pairsOf(command: Command, args: ParsedArgs): Promise<VerifyPair[]> {
  const files = args.positionals;
  const digest = stringOption(args, 'digest');
  const statement = stringOption(args, 'statement');
  const globs = listOption(args, 'statement-glob');
  if (globs.length) {
    if (files.length || digest || statement) throw usage(command, '--statement-glob finds both statements and artifacts: give no FILE, --digest or --statement with it');
    const statements = (await Promise.all(globs.map(expandStatementGlob))).flat();
    return [...new Set(statements)].map((path) => ({ artifact: { file: stripCose(path) }, statementPath: path }));
  }
  if (digest) {
    if (files.length) throw usage(command, 'give either FILE or --digest, not both');
    if (!statement) throw usage(command, '--digest needs --statement FILE.cose');
    return [{ artifact: { digest }, statementPath: statement }];
  }
  if (files.length === 0) throw usage(command, 'missing FILE (or --digest ALG:HEX, or --statement-glob)');
  if (statement) {
    if (files.length > 1) throw usage(command, '--statement goes with one FILE; for several, keep FILE.cose beside each FILE');
    return [{ artifact: { file: files[0] as string }, statementPath: statement }];
  }
  return files.map((file) => ({ artifact: { file }, statementPath: `${file}.cose` }));
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
    ...JSON_OPTION,
  },
  positionals: { min: 0, max: Infinity, name: 'FILE' },
  async run(args, context) {
    const pairs = await pairsOf(this, args);
    const lockPath = stringOption(args, 'lock');
    if (flag(args, 'update-lock') && !lockPath) throw usage(this, '--update-lock needs --lock FILE');
    const policy = await readPolicyFile(requiredOption(this, args, 'trust'));
    const results = await verifyArtifacts(
      { pairs, policy, allowUnlogged: flag(args, 'allow-unlogged'), lock: lockPath ? { path: lockPath, update: flag(args, 'update-lock') } : undefined },
      context.host,
    );
    const summaryPath = stringOption(args, 'summary');
    if (summaryPath) {
      await appendFile(summaryPath, verdictsMarkdown(results)).catch(() => {
        throw new CliError('OUTPUT_FAILED', `cannot write the summary to ${summaryPath}`);
      });
    }
    const single = pairs.length === 1 && !args.values['statement-glob'];
    const shaped = (result: VerifyStepResult): object => ({ artifact: result.artifact, statement: result.statementPath, artifactDigest: result.artifactDigest, ...result.verdict });
    if (context.json) printJson(context, single ? shaped(results[0] as VerifyStepResult) : results.map(shaped));
    else context.print(single ? renderVerdict(results[0] as VerifyStepResult) : results.map(renderLine).join('\n'));
    return results.every((result) => result.verdict.verified) ? 0 : 1;
  },
};

