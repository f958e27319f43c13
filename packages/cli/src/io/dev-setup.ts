import { join } from 'node:path';
import { addIssuer, deriveDidX509, emptyPolicy } from '@countersign/core';
import { exists, writeOutput, writePolicyFile, type Host } from '@countersign/steps';
import { companionPaths, writeNewKey } from '../keys/generate.js';
import { readCertificateChain } from './signer-from-file.js';

export interface DevSetup {
  keyPath: string;
  chainPath: string;
  policyPath: string;
  created: boolean;
}

const DEV_CERTIFICATE_NAME = 'countersign dev key';

/** The embedded defaults of `release`, created on first use: an ES256 key with a certificate, and a policy trusting its did:x509. */
export async function ensureDevSetup(dir: string, host: Host): Promise<DevSetup> {
  const keyPath = join(dir, 'key.pem');
  const chainPath = companionPaths(keyPath).certificate;
  const policyPath = join(dir, 'trust.json');
  if (await exists(keyPath)) return { keyPath, chainPath, policyPath, created: false };
  await writeNewKey({ out: keyPath, algorithm: 'ES256', certificateCommonName: DEV_CERTIFICATE_NAME });
  const issuer = deriveDidX509(await readCertificateChain(chainPath));
  await writePolicyFile(policyPath, addIssuer(emptyPolicy(), { iss: issuer }));
  await writeOutput(join(dir, '.gitignore'), '# a development key: never commit it\n*\n');
  host.info(`created ${dir}/ with a development key (ES256), a certificate for it from a throwaway CA, and a trust policy for ${issuer}`);
  return { keyPath, chainPath, policyPath, created: true };
}
