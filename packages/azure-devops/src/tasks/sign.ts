import { hashAlgorithmByName } from '@countersign/core';
import { signArtifacts } from '@countersign/steps';
import { choice, files, required, text } from '../inputs.js';
import { runTask } from '../run-task.js';
import { openSigningKey, readCertificateChain } from '../signing-key.js';

/** CountersignSign: a signed statement (FILE.cose) for each file the subjectPath patterns match. */
await runTask('countersign-sign', async (host) => {
  const hashAlgorithm = hashAlgorithmByName(choice('hashAlgorithm', ['sha256', 'sha384', 'sha512'], 'sha256'));
  const subjects = files('subjectPath');
  const x5chain = text('x5chain');
  const { signer, keyVersionUrl } = await openSigningKey(required('key'), { connectionId: text('azureSubscription'), emulatorCa: text('keyVaultCa') }, host);
  await signArtifacts(
    {
      files: subjects,
      signer,
      hashAlgorithm,
      issuer: text('issuer'),
      subject: text('subject'),
      x5chain: x5chain === undefined ? undefined : await readCertificateChain(x5chain),
      x5chainSource: x5chain,
      outDir: text('outputDir'),
      keyVersionUrl,
    },
    host,
  );
});
