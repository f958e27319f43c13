import { join } from 'node:path';
import { releaseArtifact, type ReleaseResult } from '@countersign/steps';
import { stringOption, usage } from '../args.js';
import { ensureDevSetup } from '../io/dev-setup.js';
import { embeddedLedger } from '../io/embedded-ledger.js';
import { localSignerFromFile, readCertificateChain } from '../io/signer-from-file.js';
import { SERVICE_OPTIONS, SERVICE_OPTIONS_HELP, serviceClientFromArgs } from '../transparency/client-from-args.js';
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
    `  logged     entry ${result.entryId} in ${result.service}`,
    `  receipt    from ${result.receipt.issuer ?? 'unnamed service'}${result.receipt.issuedAt ? `, registered ${new Date(result.receipt.issuedAt * 1000).toISOString()}` : ''}`,
    `  checks     ${passed.join(', ')} passed`,
  ];
  for (const check of verdict.checks.filter((item) => item.outcome !== 'pass')) {
    lines.push(`  ${(check.outcome === 'fail' ? 'FAILED' : 'note').padEnd(9)}  ${check.name}: ${check.reason}`);
  }
  return lines.join('\n');
}

export const releaseCommand: Command = {
  name: 'release',
  summary: 'the main job on embedded defaults: sign FILE, log it, verify it (creates .countersign/ on first use)',
  help: `Usage: countersign release FILE [--dir .countersign] [--service URL [--service-identity FILE]] [--json]

Runs the whole gate with no cloud account: on first use it creates --dir (default .countersign/ in
the working directory) holding a development ES256 key, a certificate for it (from a throwaway CA) and a
trust policy that trusts the certificate's did:x509 issuer. It then signs FILE into FILE.cose,
registers it with the embedded ledger in DIR/ledger (in this process, no server to start) or with
the SCRAPI service at --service URL, keeps the receipt in FILE.cose, verifies the whole as a
release gate would (receipt included), and prints a short summary. The dev policy pins the keys of
the service it registers with the first time it meets it.
Exit codes: 0 released, 1 verification failed, 2 wrong usage or unreadable input.
${SERVICE_OPTIONS_HELP}`,
  options: { dir: { type: 'string' }, service: { type: 'string' }, ...SERVICE_OPTIONS, ...JSON_OPTION },
  positionals: { min: 1, max: 1, name: 'FILE' },
  async run(args, context) {
    const serviceUrl = stringOption(args, 'service');
    if (!serviceUrl && Object.keys(SERVICE_OPTIONS).some((name) => args.values[name] !== undefined)) throw usage(this, 'the options for reaching a service go with --service');
    const client = serviceUrl ? (await serviceClientFromArgs(this, args, context.host, { url: serviceUrl, timeoutMs: 120_000 })).client : undefined;
    const dir = stringOption(args, 'dir') ?? '.countersign';
    const setup = await ensureDevSetup(dir, context.host);
    const { file, statementPath, digest, issuer, subject, ...logged } = await releaseArtifact(
      {
        file: args.positionals[0] as string,
        signer: await localSignerFromFile(setup.keyPath),
        x5chain: await readCertificateChain(setup.chainPath),
        policyPath: setup.policyPath,
        openService: client ? async () => ({ service: client, close: () => client.close() }) : embeddedLedger(join(dir, 'ledger')),
      },
      context.host,
    );
    const result = { file, statementPath, digest, issuer, subject, createdSetup: setup.created, ...logged };
    if (context.json) printJson(context, result);
    else context.print(summary(result));
    return result.verdict.verified ? 0 : 1;
  },
};
