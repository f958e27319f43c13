import { stringOption } from '../args.js';
import { releaseArtifact, type ReleaseResult } from '../steps/release.js';
import { JSON_OPTION, printJson, type Command } from './command.js';

function summary(result: ReleaseResult): string {
  const { verdict } = result;
  const passed = verdict.checks.filter((check) => check.outcome === 'pass').map((check) => check.name);
  const lines = [
    `${verdict.verified ? 'released' : 'REFUSED'}  ${result.file}`,
    `  digest     ${result.digest}`,
    `  statement  ${result.statementPath}`,
    `  issuer     ${result.issuer}`,
    `  subject    ${result.subject}`,
    `  checks     ${passed.join(', ')} passed`,
  ];
  for (const check of verdict.checks.filter((item) => item.outcome !== 'pass')) {
    lines.push(`  ${(check.outcome === 'fail' ? 'FAILED' : 'note').padEnd(9)}  ${check.name}: ${check.reason}`);
  }
  return lines.join('\n');
}

export const releaseCommand: Command = {
  name: 'release',
  summary: 'the main job on embedded defaults: sign FILE and verify it (creates .countersign/ on first use)',
  help: `Usage: countersign release FILE [--dir .countersign] [--json]

Runs the whole gate with no cloud account: on first use it creates --dir (default .countersign/ in
the working directory) holding a development ES256 key, a certificate for it (from a throwaway CA) and a
trust policy that trusts the certificate's did:x509 issuer. It then signs FILE into FILE.cose and
verifies it as a release gate would, and prints a short summary.
Exit codes: 0 released, 1 verification failed, 2 wrong usage or unreadable input.`,
  options: { dir: { type: 'string' }, ...JSON_OPTION },
  positionals: { min: 1, max: 1, name: 'FILE' },
  async run(args, context) {
    const result = await releaseArtifact({ file: args.positionals[0] as string, dir: stringOption(args, 'dir') ?? '.countersign' }, context.host);
    if (context.json) printJson(context, result);
    else context.print(summary(result));
    return result.verdict.verified ? 0 : 1;
  },
};
