import { join } from 'node:path';
import { readPolicyFile, readTextInput, rotateKey, StepError, type RotateKeyResult } from '@countersign/steps';
import { flag, requiredOption, stringOption } from '../args.js';
import { embeddedLedger } from '../io/embedded-ledger.js';
import { loadAzure } from '../io/load-azure.js';
import { KEY_OPTIONS, vaultConnection } from '../io/open-signer.js';
import { SERVICE_OPTIONS, SERVICE_OPTIONS_HELP, serviceClientFromArgs } from '../transparency/client-from-args.js';
import { JSON_OPTION, printJson, type Command } from './command.js';

const DEFAULT_ROTATION_LEDGER = join('.countersign', 'ledger');

function summary(result: RotateKeyResult): string {
  return [
    `${result.resumed ? 'finished rotating' : 'rotated'}  ${result.key}`,
    `  previous   ${result.previousKeyVersion} (key ${result.previousKid})${result.previousDisabled ? ', disabled' : ''}`,
    `  new        ${result.newKeyVersion} (key ${result.newKid})`,
    `  issuer     ${result.issuer}`,
    `  logged     entry ${result.entryId} in ${result.service}, registered ${result.registeredAt}`,
    `  statement  ${result.statementPath} (over ${result.publicKeyPath})`,
    ...(result.policyPath ? [`  policy     ${result.policyPath}${result.policyChanged ? ' updated' : ' already up to date'}`] : []),
  ].join('\n');
}

export const rotateKeyCommand: Command = {
  name: 'rotate-key',
  summary: 'make a new Key Vault key version, log the rotation, and move the trust policy to it',
  help: `Usage: countersign rotate-key --key KEY_URL [--azure-credential C] [--key-vault-ca CA.pem] [--policy trust.json]
                             [--issuer ISS] [--service URL [service options] | --ledger DIR] [--rotation-policy FILE]
                             [--disable-previous] [--out DIR] [--json]

Creates a new version of the Key Vault / Managed HSM key, signs a key-rotation statement with the
previous version naming the new version's public key, registers it, and sets the previous key's
notAfter and the new key's notBefore in the trust policy to the registration time its receipt gives.
Statements signed by the previous version then verify only when registered before the rotation.
  --key              https://NAME.vault.azure.net/keys/KEY: its latest version is retired. With
                     /VERSION: that version is retired; when it is no longer the latest (an earlier
                     run made the new version, or Key Vault rotated it), the rotation to the latest
                     version is finished instead of another version being made
  --policy           the trust policy to update (written atomically, after registration)
  --issuer           the CWT iss the key signs as (default: the policy's issuer that trusts the
                     previous version; without --policy, its key id, as sign does)
  --service          register with this SCRAPI service (token and TLS as for log); without it, with
                     the embedded ledger in --ledger DIR (default ${DEFAULT_ROTATION_LEDGER}, as release uses)
  --rotation-policy  a Key Vault rotation policy (JSON, as az keyvault key rotation-policy takes)
                     to set on the key before rotating
  --disable-previous disable the previous version once the rotation is logged and the policy written
  --out              where NAME-VERSION.jwk (the new public key) and NAME-VERSION.jwk.cose (the rotation
                     statement with its receipt) go (default: the working directory)
  --azure-credential, --key-vault-ca   as for sign
A run that fails after the new version was made says so and exits 1; run it again with
--key <previous version URL> to finish. Exit codes: 0 rotated, 1 rotation not finished,
2 wrong usage or unreadable input (nothing changed).

${SERVICE_OPTIONS_HELP}`,
  options: {
    ...KEY_OPTIONS,
    ...SERVICE_OPTIONS,
    policy: { type: 'string' },
    issuer: { type: 'string' },
    service: { type: 'string' },
    ledger: { type: 'string' },
    'rotation-policy': { type: 'string' },
    'disable-previous': { type: 'boolean' },
    out: { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const serviceUrl = stringOption(args, 'service');
    const policyPath = stringOption(args, 'policy');
    const client = serviceUrl
      ? (await serviceClientFromArgs(this, args, context.host, { url: serviceUrl, timeoutMs: 120_000, policy: policyPath ? await readPolicyFile(policyPath) : undefined })).client
      : undefined;
    const { KeyVaultSigner, KeyVersions, parseRotationPolicy } = await loadAzure();
    const rotationPolicyPath = stringOption(args, 'rotation-policy');
    const rotationPolicy = rotationPolicyPath === undefined ? undefined : parseRotationPolicy(await readTextInput(rotationPolicyPath, 'rotation policy'));
    const connection = await vaultConnection({ azureCredential: stringOption(args, 'azure-credential'), keyVaultCa: stringOption(args, 'key-vault-ca') });
    const algorithm = stringOption(args, 'alg');
    try {
      const result = await rotateKey(
        {
          keyVersions: KeyVersions.open({ ...connection, keyUrl: requiredOption(this, args, 'key') }),
          signerFor: (version) => KeyVaultSigner.open({ ...connection, keyUrl: version.versionUrl, algorithm }),
          policyPath,
          issuer: stringOption(args, 'issuer'),
          openService: client ? async () => ({ service: client, close: () => undefined }) : embeddedLedger(stringOption(args, 'ledger') ?? DEFAULT_ROTATION_LEDGER),
          rotationPolicy,
          disablePrevious: flag(args, 'disable-previous'),
          outDir: stringOption(args, 'out'),
        },
        context.host,
      );
      if (context.json) printJson(context, result);
      else context.print(summary(result));
      return 0;
    } catch (error) {
      if (error instanceof StepError && error.code === 'STEP_ROTATION_INCOMPLETE' && context.json) printJson(context, { completed: false, code: error.code, reason: error.message, resumeKey: error.resumeKeyUrl });
      throw error;
    } finally {
      client?.close();
    }
  },
};
