import { addIssuer, readPublicKey } from '@countersign/core';
import { readInput, readPolicyFile, writePolicyFile } from '@countersign/steps';
import { listOption, requiredOption, stringOption, usage } from '../args.js';
import { JSON_OPTION, printJson, type Command } from './command.js';

function isoTime(spec: Command, value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw usage(spec, `--${name} must be an ISO 8601 time`);
  return time.toISOString();
}

export const trustAddIssuerCommand: Command = {
  name: 'trust add-issuer',
  summary: 'trust an issuer (a did:x509, or a name with its public key)',
  help: `Usage: countersign trust add-issuer --policy trust.json --iss ISS [--key PUB.pem|JWK.json]
                                   [--subject PATTERN]... [--not-before TIME] [--not-after TIME] [--json]

Adds ISS to the policy's issuers, or adds a key or subjects to it when it is already there.
  --iss          the CWT issuer: a did:x509 (resolved against each statement's x5chain), or any
                 other name, which then needs --key
  --key          the issuer's public key: PEM public key, certificate, or JWK
  --subject      a subject the issuer may sign for; * and ? are wildcards (repeatable; default: any)
  --not-before, --not-after
                 the key's validity window (ISO 8601)`,
  options: {
    policy: { type: 'string' },
    iss: { type: 'string' },
    key: { type: 'string' },
    subject: { type: 'string', multiple: true },
    'not-before': { type: 'string' },
    'not-after': { type: 'string' },
    ...JSON_OPTION,
  },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const policyPath = requiredOption(this, args, 'policy');
    const iss = requiredOption(this, args, 'iss');
    const keyPath = stringOption(args, 'key');
    if (!keyPath && !iss.startsWith('did:x509:')) throw usage(this, `issuer ${iss} is not a did:x509, so it needs --key`);
    const key = keyPath ? readPublicKey(await readInput(keyPath, 'public key', 1024 * 1024)) : undefined;
    const subjects = listOption(args, 'subject');
    const policy = addIssuer(await readPolicyFile(policyPath), {
      iss,
      key,
      subjects: subjects.length ? subjects : undefined,
      notBefore: isoTime(this, stringOption(args, 'not-before'), 'not-before'),
      notAfter: isoTime(this, stringOption(args, 'not-after'), 'not-after'),
    });
    await writePolicyFile(policyPath, policy);
    const rule = policy.issuers.find((candidate) => candidate.iss === iss);
    if (context.json) printJson(context, rule);
    else context.host.info(`trusted ${iss}${key ? ` with key ${rule?.keys?.at(-1)?.kid}` : ''} in ${policyPath}`);
    return 0;
  },
};
