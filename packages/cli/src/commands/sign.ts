import { hashAlgorithmByName } from '@countersign/core';
import { requiredOption, stringOption, usage } from '../args.js';
import { x5chainFromKeyVault } from '../io/key-vault-chain.js';
import { KEY_OPTIONS, KEY_OPTIONS_HELP, openSigner, type KeyChoice } from '../io/open-signer.js';
import { readCertificateChain } from '../io/signer-from-file.js';
import { DEFAULT_SIGN_CONCURRENCY, signArtifacts } from '@countersign/steps';
import { JSON_OPTION, printJson, type Command } from './command.js';

export const signCommand: Command = {
  name: 'sign',
  summary: 'write a signed statement (FILE.cose) for each file',
  help: `Usage: countersign sign FILE... --key KEY.pem|KEY_URL [--alg ALG] [--azure-credential C] [--issuer ISS] [--subject SUB]
                       [--x5chain CHAIN.pem] [--x5chain-from-key-vault CERT_URL|CERT [--x5chain REST.pem]]
                       [--hash sha256|sha384|sha512] [--content-type TYPE] [--location URL] [--out DIR]
                       [--concurrency N] [--json]

Hashes each file (streamed, on all cores) and signs a SCITT signed statement over the digest (COSE
hash envelope, CWT claims iss/sub/iat), written as FILE.cose beside the file or in DIR. Files whose
statements would land on one path (a/x and b/x with --out), or on another FILE, are refused before
anything is signed (exit 2); a file named twice is signed once. Up to --concurrency statements are
signed at once; output keeps the order of the files. Batches of more than 20 files report progress
("signed 250/1000") on standard error instead of a line per file. The first file that cannot be signed
stops the batch (exit 2): nothing is written for it or for the files not yet started.
${KEY_OPTIONS_HELP}
  --x5chain        certificates for the protected header, leaf first; the leaf must be the key's
  --x5chain-from-key-vault  the leaf from a Key Vault certificate (https://NAME.vault.azure.net/certificates/
                   CERT[/VERSION], or CERT in the key's vault); its key must be the signing key (for a
                   certificate CERT that is https://NAME.vault.azure.net/keys/CERT). Key Vault gives the
                   leaf only: name its CA certificates with --x5chain REST.pem, intermediates first.
                   Managed HSM has no certificates: give the whole chain with --x5chain there
  --concurrency    statements signed at once (default ${DEFAULT_SIGN_CONCURRENCY}, 1 to 256); Key Vault throttling
                   (429) pauses every request for its Retry-After and is retried, so it slows a batch down
  --issuer         CWT iss (default: the did:x509 of --x5chain, else the key id)
  --subject        CWT sub (default: the file's name)
  --content-type   the artifact's media type (default: guessed from the extension)
  --location       where the artifact can be downloaded`,
  options: {
    ...KEY_OPTIONS,
    issuer: { type: 'string' },
    subject: { type: 'string' },
    x5chain: { type: 'string' },
    'x5chain-from-key-vault': { type: 'string' },
    concurrency: { type: 'string' },
    hash: { type: 'string' },
    'content-type': { type: 'string' },
    location: { type: 'string' },
    out: { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: { min: 1, max: Infinity, name: 'FILE' },
  async run(args, context) {
    const keyChoice: KeyChoice = {
      key: requiredOption(this, args, 'key'),
      algorithm: stringOption(args, 'alg'),
      azureCredential: stringOption(args, 'azure-credential'),
      keyVaultCa: stringOption(args, 'key-vault-ca'),
    };
    const concurrencyText = stringOption(args, 'concurrency');
    const concurrency = concurrencyText === undefined ? DEFAULT_SIGN_CONCURRENCY : Number(concurrencyText);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw usage(this, '--concurrency must be a whole number from 1 to 256');
    const { signer, keyVersionUrl } = await openSigner(keyChoice);
    const chainPath = stringOption(args, 'x5chain');
    const vaultCertificate = stringOption(args, 'x5chain-from-key-vault');
    let x5chain: Uint8Array[] | undefined;
    let x5chainSource: string | undefined;
    if (vaultCertificate !== undefined) {
      const fromVault = await x5chainFromKeyVault(vaultCertificate, chainPath, keyChoice);
      x5chain = fromVault.chain;
      x5chainSource = fromVault.certificateVersionUrl;
    } else if (chainPath !== undefined) {
      x5chain = await readCertificateChain(chainPath);
      x5chainSource = chainPath;
    }
    const signed = await signArtifacts(
      {
        files: args.positionals,
        signer,
        hashAlgorithm: hashAlgorithmByName(stringOption(args, 'hash') ?? 'sha256'),
        issuer: stringOption(args, 'issuer'),
        subject: stringOption(args, 'subject'),
        x5chain,
        x5chainSource,
        contentType: stringOption(args, 'content-type'),
        location: stringOption(args, 'location'),
        outDir: stringOption(args, 'out'),
        keyVersionUrl,
        concurrency,
      },
      context.host,
    );
    if (context.json) printJson(context, signed);
    else for (const item of signed) context.print(item.statementPath);
    return 0;
  },
};
