import { releaseArtifact, verificationFailure } from '@countersign/steps';
import { readChain } from '../azure.js';
import { openSigner } from '../key-vault.js';
import { globs, optional, required } from '../inputs.js';
import { runAction } from '../run.js';
import { serviceFromInputs } from '../service.js';

/** The root action: each subject signed, registered, its receipt kept and verified as the release gate, in one step. */
await runAction(async (host) => {
  const files = await globs('subject-path', 'subject');
  const policyPath = required('trust-policy');
  const { signer } = await openSigner(required('key'), host);
  const x5chain = await readChain(optional('x5chain'));
  const openService = await serviceFromInputs(host);
  const results = [];
  for (const file of files) results.push(await releaseArtifact({ file, signer, x5chain, policyPath, openService }, host));
  // Each release sets its own outputs; the gate's are those of every subject, one line each.
  host.setOutput('statement-paths', results.map((result) => result.statementPath).join('\n'));
  host.setOutput('digests', results.map((result) => result.digest).join('\n'));
  host.setOutput('entry-ids', results.map((result) => result.entryId).join('\n'));
  host.setOutput('verified', String(results.every((result) => result.verdict.verified)));
  const failure = verificationFailure(results.map((result) => ({ artifact: result.file, statementPath: result.statementPath, artifactDigest: result.digest, verdict: result.verdict })));
  if (failure) throw failure;
});
