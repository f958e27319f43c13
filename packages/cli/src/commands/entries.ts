import { listEntries, readPolicyFile } from '@countersign/steps';
import { requiredOption, stringOption, usage } from '../args.js';
import { SERVICE_OPTIONS, SERVICE_OPTIONS_HELP, serviceClientFromArgs } from '../transparency/client-from-args.js';
import { JSON_OPTION, printJson, type Command } from './command.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$/;

/** An RFC 3339 time (a date alone is its midnight UTC). */
export function timeOption(command: Command, text: string | undefined, name: string): Date | undefined {
  if (text === undefined) return undefined;
  const time = RFC3339.test(text) ? new Date(text.length === 10 ? `${text}T00:00:00Z` : text) : undefined;
  if (!time || Number.isNaN(time.getTime())) throw usage(command, `--${name} must be an RFC 3339 time such as 2026-11-30T08:00:00Z, or a date`);
  return time;
}

export const entriesCommand: Command = {
  name: 'entries',
  summary: 'list every entry of a transparency log that an issuer, a key or a CA signed',
  help: `Usage: countersign entries --service URL (--issuer ISS | --key KID | --ca FINGERPRINT)
                           [--since T] [--until T] [--trust trust.json] [--json]
                           [--service-identity FILE | --service-identity-url URL] [--azure-credential C] [--api-version V]

Incident response: reads the whole log (GET /entries/txIds, then each entry's statement) and lists
every entry signed as the issuer, with the key, or with a certificate from the CA, in log order:
entry id, issuer, subject, digest, key id and registration time.
  --issuer ISS          the statement's CWT iss, exactly
  --key KID             the statement's kid, or its x5chain leaf's key id (hex SHA-256 of the public key)
  --ca FINGERPRINT      a CA certificate's SHA-256 (or 384, 512) fingerprint in hex, or in base64url as a
                        did:x509 names it: statements whose x5chain holds that certificate
  --since T, --until T  only entries registered from / until T (RFC 3339, e.g. 2026-11-30T08:00:00Z, or a
                        date for its midnight UTC), by the registration time of the entry's receipt
  --trust FILE          verify each listed entry's receipt with the service keys the policy pins (and pin the
                        TLS identity it stores for the service); without it registration times are as claimed
  --json                print {"scanned", "entries": [{"entryId", "issuer", "subject", "digest", "keyId",
                        "registeredAt", "receiptVerified"}], "unreadable": [{"entryId", "reason"}]}
${SERVICE_OPTIONS_HELP}
Exit codes: 0 listed, 1 some entries could not be read (the list may be incomplete), 2 wrong usage or input.`,
  options: {
    service: { type: 'string' },
    issuer: { type: 'string' },
    key: { type: 'string' },
    ca: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    trust: { type: 'string' },
    ...SERVICE_OPTIONS,
    ...JSON_OPTION,
  },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const serviceUrl = requiredOption(this, args, 'service');
    const since = timeOption(this, stringOption(args, 'since'), 'since');
    const until = timeOption(this, stringOption(args, 'until'), 'until');
    const trustPath = stringOption(args, 'trust');
    const policy = trustPath ? await readPolicyFile(trustPath) : undefined;
    const { client } = await serviceClientFromArgs(this, args, context.host, { url: serviceUrl, timeoutMs: 60_000, policy });
    try {
      const result = await listEntries(
        { log: client, serviceUrl, policy, issuer: stringOption(args, 'issuer'), key: stringOption(args, 'key'), ca: stringOption(args, 'ca'), since, until },
        context.host,
      );
      if (context.json) printJson(context, result);
      else for (const entry of result.entries) context.print([entry.entryId, entry.issuer, entry.subject, entry.digest, entry.keyId ?? '-', entry.registeredAt ?? '-'].join('  '));
      return result.unreadable.length === 0 ? 0 : 1;
    } finally {
      client.close();
    }
  },
};
