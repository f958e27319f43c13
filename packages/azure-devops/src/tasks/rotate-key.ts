import { isKeyVaultUrl, rotateKey } from '@countersign/steps';
import { TaskError } from '../errors.js';
import { flag, positiveNumber, required, text } from '../inputs.js';
import { runTask } from '../run-task.js';
import { vaultConnection } from '../signing-key.js';
import { serviceOpener } from '../transparency-service.js';

/** CountersignRotateKey: a new Key Vault key version, the rotation logged, the trust policy moved to it. */
await runTask('countersign-rotate-key', async (host) => {
  const key = required('key');
  if (!isKeyVaultUrl(key)) throw new TaskError('TASK_INPUT_INVALID', 'key', 'must be a Key Vault or Managed HSM key URL: only a vault key has versions to rotate');
  const connectionId = text('azureSubscription');
  const openService = serviceOpener(
    { url: text('serviceUrl'), serviceIdentity: text('serviceIdentity'), timeoutMs: positiveNumber('timeout', 120) * 1000, ledgerDir: text('ledgerDir'), connectionId },
    host,
  );
  const policyPath = text('trustPolicy');
  const disablePrevious = flag('disablePrevious');
  const connection = await vaultConnection({ connectionId, emulatorCa: text('keyVaultCa') }, host);
  const { KeyVaultSigner, KeyVersions } = await import('@countersign/azure');
  await rotateKey(
    {
      keyVersions: KeyVersions.open({ ...connection, keyUrl: key }),
      signerFor: (version) => KeyVaultSigner.open({ ...connection, keyUrl: version.versionUrl }),
      policyPath,
      openService,
      disablePrevious,
      outDir: text('outputDir'),
    },
    host,
  );
});
