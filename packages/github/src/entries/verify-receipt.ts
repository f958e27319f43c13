import { readPolicyFile, verificationFailure, verifyStep } from '@countersign/steps';
import { flag, globs, optional, required } from '../inputs.js';
import { runAction } from '../run.js';

/** actions/verify-receipt: the release gate; each subject against its statement and receipts under the trust policy. */
await runAction(async (host) => {
  const allowNetwork = flag('allow-network');
  const updateLockfile = flag('update-lockfile');
  const artifacts = await globs('subject-path', 'subject');
  const policy = await readPolicyFile(required('trust-policy'));
  // Offline unless asked: a policy's fetchKeys alone does not let a gate reach out from the runner.
  const trustPolicy = allowNetwork ? policy : { ...policy, services: policy.services.map((service) => ({ ...service, fetchKeys: false })) };
  const { results } = await verifyStep(
    {
      artifacts,
      statement: optional('statement-path'),
      trustPolicy,
      lockfile: optional('lockfile'),
      updateLockfile,
      reportPath: optional('report-path') ?? 'countersign-verify-report.json',
    },
    host,
  );
  const failure = verificationFailure(results);
  if (failure) throw failure;
});
