import { HASH_ALGORITHMS, hashAlgorithmByName } from '@countersign/core';
import { signArtifacts } from '@countersign/steps';
import { readChain } from '../azure.js';
import { openSigner } from '../key-vault.js';
import { globs, oneOf, optional, required } from '../inputs.js';
import { runAction } from '../run.js';

/** actions/sign: a signed statement (FILE.cose) for each subject. */
await runAction(async (host) => {
  const files = await globs('subject-path', 'subject');
  const hashAlgorithm = hashAlgorithmByName(oneOf('hash-algorithm', HASH_ALGORITHMS.map((algorithm) => algorithm.name), 'sha256'));
  const x5chainSource = optional('x5chain');
  const { signer, keyVersionUrl } = await openSigner(required('key'), host);
  await signArtifacts(
    {
      files,
      signer,
      hashAlgorithm,
      issuer: optional('issuer'),
      subject: optional('subject'),
      x5chain: await readChain(x5chainSource),
      x5chainSource,
      outDir: optional('output-dir'),
      keyVersionUrl,
    },
    host,
  );
});
