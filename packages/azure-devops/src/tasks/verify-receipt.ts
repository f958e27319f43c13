import { verificationFailure, verifyStep } from '@countersign/steps';
import { TaskError } from '../errors.js';
import { files, flag, lines, required, text } from '../inputs.js';
import { runTask } from '../run-task.js';

/**
 * CountersignVerifyReceipt: the release gate. Each subject is checked against its statement (the
 * .cose beside it unless statementPath names one) and receipts under the trust policy; without
 * subjects, statementPath's patterns name the statements and each artifact is the name without .cose.
 */
await runTask('countersign-verify-receipt', async (host) => {
  const subjects = text('subjectPath') === undefined ? [] : files('subjectPath');
  const statements = lines('statementPath');
  if (subjects.length > 0 && statements.length > 1) throw new TaskError('TASK_INPUT_INVALID', 'statementPath', 'names one statement for one subject; for several, keep each subject\'s .cose beside it');
  // Verification reads only the trust policy and the files given; the input is accepted for parity with the GitHub action.
  if (flag('allowNetwork')) host.info('allowNetwork: verification never reaches the network, so there is nothing to allow');
  const { results } = await verifyStep(
    {
      artifacts: subjects,
      statement: subjects.length > 0 ? statements[0] : undefined,
      statementGlobs: subjects.length > 0 ? [] : statements,
      trustPolicy: required('trustPolicy'),
      lockfile: text('lockfile'),
      updateLockfile: flag('updateLockfile'),
    },
    host,
  );
  const failure = verificationFailure(results);
  if (failure) throw failure;
});
