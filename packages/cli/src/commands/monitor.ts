import { alertLine, DEFAULT_MONITOR_STATE, monitorLog, readPolicyFile } from '@countersign/steps';
import { flag, listOption, requiredOption, stringOption } from '../args.js';
import { SERVICE_OPTIONS, SERVICE_OPTIONS_HELP, serviceClientFromArgs } from '../transparency/client-from-args.js';
import { JSON_OPTION, printJson, type Command } from './command.js';


export const monitorCommand: Command = {
  name: 'monitor',
  summary: 'read what a transparency log registered since the last run and alert on what no release of ours made',
  help: `Usage: countersign monitor --service URL --trust trust.json [--issuer ISS]... [--key KID]...
                           [--lock countersign.lock.json] [--known FILE] [--state FILE] [--start-at-end] [--json]
                           [--service-identity FILE | --service-identity-url URL] [--azure-credential C] [--api-version V]

Reads every entry the service registered since the last run (GET /entries/txIds, then each entry's
statement), verifies each receipt with the service keys --trust pins, and classifies each statement
that speaks as a watched issuer, carries a watched key, or carries a certificate from the CA of a
watched did:x509 issuer:
  known        the lockfile (or the known list) pins this very statement for its artifact
  unexpected   nothing of ours made it: a watched key signed something no release made (the alert)
  conflict     a second statement for an artifact the lockfile pins to another one (a re-signing)
For services with signed tree heads (the embedded ledger), each run proves with a consistency proof
that the log only grew since the head the last run verified; a rewritten or forked log is an alert
of kind "inconsistent", and so is a receipt whose root contradicts a verified head of the same size.
For CCF services (Microsoft Signing Transparency), every receipt must verify and entry ids must
never go backwards between runs. An entry that cannot be read or verified is an alert ("unverified")
and is read again on the next run.
  --issuer ISS   watch this issuer (repeatable); default: every issuer in --trust
  --key KID      also watch this key id (repeatable): a statement's kid, or its x5chain leaf's key id
                 (hex SHA-256 of the public key); the keys --trust lists for watched issuers are watched too
  --lock FILE    the receipt lockfile of your releases (verify --update-lock writes it)
  --known FILE   more statements of yours, one a line: STATEMENT_HASH, or ALG:HEX STATEMENT_HASH to pin it
                 to that artifact (STATEMENT_HASH: hex SHA-256 of the statement with its unprotected
                 header emptied, the lockfile's statementHash); # starts a comment
  --state FILE   where the run starts and where it saves where it stopped: the last entry id and its
                 sequence number, the last verified tree head, entries to read again (default
                 ${DEFAULT_MONITOR_STATE}); one file per service. Not saved when the log is inconsistent
  --start-at-end when there is no state file yet: save where the log ends now (for services with tree
                 heads, the verified current head) without reading the entries before it, say so, and
                 exit 0; for a log with history that no lockfile or known list pins. With a state file
                 it changes nothing
  --json         print {"scanned", "known", "alerts": [{"entryId", "issuer", "subject", "digest",
                 "registeredAt", "kind", "reason"}], "treeSize"} (treeSize: null without tree heads)
Without --json, one line per alert on standard output: entry id, issuer, subject, digest,
registration time, kind: why.
${SERVICE_OPTIONS_HELP}
Exit codes: 0 nothing unexpected, 1 an alert, 2 wrong usage, unreadable input or an unreachable service.`,
  options: {
    service: { type: 'string' },
    trust: { type: 'string' },
    issuer: { type: 'string', multiple: true },
    key: { type: 'string', multiple: true },
    lock: { type: 'string' },
    known: { type: 'string' },
    state: { type: 'string' },
    'start-at-end': { type: 'boolean' },
    ...SERVICE_OPTIONS,
    ...JSON_OPTION,
  },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const serviceUrl = requiredOption(this, args, 'service');
    const policy = await readPolicyFile(requiredOption(this, args, 'trust'));
    const { client } = await serviceClientFromArgs(this, args, context.host, { url: serviceUrl, timeoutMs: 60_000, policy });
    try {
      const result = await monitorLog(
        {
          log: client,
          serviceUrl,
          policy,
          issuers: listOption(args, 'issuer'),
          keys: listOption(args, 'key'),
          lockfile: stringOption(args, 'lock'),
          known: stringOption(args, 'known'),
          statePath: stringOption(args, 'state') ?? DEFAULT_MONITOR_STATE,
          startAtEnd: flag(args, 'start-at-end'),
        },
        context.host,
      );
      if (context.json) printJson(context, result);
      else for (const alert of result.alerts) context.print(alertLine(alert));
      return result.alerts.length === 0 ? 0 : 1;
    } finally {
      client.close();
    }
  },
};
