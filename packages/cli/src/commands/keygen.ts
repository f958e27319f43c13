import { deriveDidX509, parsePemCertificates } from '@countersign/core';
import { flag, requiredOption, stringOption } from '../args.js';
import { readTextInput } from '@countersign/steps';
import { writeNewKey } from '../keys/generate.js';
import { JSON_OPTION, printJson, type Command } from './command.js';

export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'create a local signing key (and optionally a code-signing certificate chain for it)',
  help: `Usage: countersign keygen --out KEY.pem [--alg ES256|ES384|ES512|PS256|PS384|PS512|EdDSA]
                         [--self-signed-cert CN] [--force] [--json]

Writes the private key to KEY.pem (mode 0600) and its public key to KEY.pub.pem, and prints the key
id (hex SHA-256 of the public key). With --self-signed-cert, also writes KEY.crt.pem, a certificate
for the key with subject CN=<CN> and the code-signing usage, so that statements can carry an
x5chain and a did:x509 issuer, the form Microsoft's transparency service requires. The file holds
the leaf and the throwaway CA that issued it (did:x509 must pin a CA other than the leaf).
Existing files are never replaced unless --force is given.`,
  options: { out: { type: 'string' }, alg: { type: 'string' }, 'self-signed-cert': { type: 'string' }, force: { type: 'boolean' }, ...JSON_OPTION },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const files = await writeNewKey({
      out: requiredOption(this, args, 'out'),
      algorithm: stringOption(args, 'alg'),
      certificateCommonName: stringOption(args, 'self-signed-cert'),
      force: flag(args, 'force'),
    });
    const issuer = files.certificate ? deriveDidX509(parsePemCertificates(await readTextInput(files.certificate, 'certificate'))) : undefined;
    if (context.json) {
      printJson(context, { ...files, issuer });
    } else {
      context.print(files.keyId);
      context.host.info(`wrote ${files.privateKey} (${files.algorithm} private key, mode 0600) and ${files.publicKey}`);
      if (files.certificate) context.host.info(`wrote ${files.certificate}; its did:x509 issuer is ${issuer}`);
    }
    return 0;
  },
};
