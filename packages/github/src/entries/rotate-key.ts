import { rotateKey } from '@countersign/steps';
import { vaultConnection } from '../key-vault.js';
import { flag, optional, required } from '../inputs.js';
import { runAction } from '../run.js';
import { serviceFromInputs } from '../service.js';

/** actions/rotate-key: a new Key Vault key version, announced by a statement the previous one signs, and the trust policy's windows set. */
await runAction(async (host) => {
  const keyUrl = required('key');
  const { KeyVaultSigner, KeyVersions } = await import('@countersign/azure');
  const connection = await vaultConnection(host);
  await rotateKey(
    {
      keyVersions: KeyVersions.open({ ...connection, keyUrl }),
      signerFor: (version) => KeyVaultSigner.open({ ...connection, keyUrl: version.versionUrl }),
      policyPath: optional('trust-policy'),
      openService: await serviceFromInputs(host),
      disablePrevious: flag('disable-previous'),
      outDir: optional('output-dir'),
    },
    host,
  );
});
