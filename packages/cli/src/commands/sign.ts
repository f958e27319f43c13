import { hashAlgorithmByName } from '@countersign/core';
import { requiredOption, stringOption } from '../args.js';
import { KEY_OPTIONS, KEY_OPTIONS_HELP, openSigner } from '../io/open-signer.js';
import { readCertificateChain } from '../io/signer-from-file.js';
import { signArtifacts } from '../steps/sign.js';
import { JSON_OPTION, printJson, type Command } from './command.js';

export const signCommand: Command = {
  name: 'sign',
  summary: 'write a signed statement (FILE.cose) for each file',
  help: `Usage: countersign sign FILE... --key KEY.pem|KEY_URL [--alg ALG] [--azure-credential C] [--issuer ISS] [--subject SUB]
                       [--x5chain CHAIN.pem] [--hash sha256|sha384|sha512]
                       [--content-type TYPE] [--location URL] [--out DIR] [--json]

Hashes each file (streamed, on all cores) and signs a SCITT signed statement over the digest (COSE
hash envelope, CWT claims iss/sub/iat), written as FILE.cose beside the file or in DIR. Files whose
statements would land on one path (a/x and b/x with --out), or on another FILE, are refused before
anything is signed (exit 2); a file named twice is signed once.
${KEY_OPTIONS_HELP}
  --x5chain        certificates for the protected header, leaf first; the leaf must be the key's
  --issuer         CWT iss (default: the did:x509 of --x5chain, else the key id)
  --subject        CWT sub (default: the file's name)
  --content-type   the artifact's media type (default: guessed from the extension)
  --location       where the artifact can be downloaded`,
  options: {
    ...KEY_OPTIONS,
    issuer: { type: 'string' },
    subject: { type: 'string' },
    x5chain: { type: 'string' },
    hash: { type: 'string' },
    'content-type': { type: 'string' },
    location: { type: 'string' },
    out: { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: { min: 1, max: Infinity, name: 'FILE' },
  async run(args, context) {
    const { signer, keyVersionUrl } = await openSigner({
      key: requiredOption(this, args, 'key'),
      algorithm: stringOption(args, 'alg'),
      azureCredential: stringOption(args, 'azure-credential'),
      keyVaultCa: stringOption(args, 'key-vault-ca'),
    });
    const chainPath = stringOption(args, 'x5chain');
    const signed = await signArtifacts(
      {
        files: args.positionals,
        signer,
        hashAlgorithm: hashAlgorithmByName(stringOption(args, 'hash') ?? 'sha256'),
        issuer: stringOption(args, 'issuer'),
        subject: stringOption(args, 'subject'),
        x5chain: chainPath ? await readCertificateChain(chainPath) : undefined,
        contentType: stringOption(args, 'content-type'),
        location: stringOption(args, 'location'),
        outDir: stringOption(args, 'out'),
        keyVersionUrl,
      },
      context.host,
    );
    if (context.json) printJson(context, signed);
    else for (const item of signed) context.print(item.statementPath);
    return 0;
  },
};
