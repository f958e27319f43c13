import { hashAlgorithmByName } from '@countersign/core';
import { stringOption } from '../args.js';
import { digestFiles } from '@countersign/steps';
import { JSON_OPTION, printJson, type Command } from './command.js';

export const digestCommand: Command = {
  name: 'digest',
  summary: 'print the digest of each file, streamed and hashed on all cores',
  help: `Usage: countersign digest FILE... [--hash sha256|sha384|sha512] [--json]

Prints "<hex>  <file>" for each file, in the order given (the format of sha256sum).`,
  options: { hash: { type: 'string' }, ...JSON_OPTION },
  positionals: { min: 1, max: Infinity, name: 'FILE' },
  async run(args, context) {
    const algorithm = hashAlgorithmByName(stringOption(args, 'hash') ?? 'sha256');
    const results = await digestFiles(args.positionals, algorithm);
    if (context.json) {
      printJson(context, results.map((result) => ({ file: result.path, algorithm: algorithm.name, digest: Buffer.from(result.digest).toString('hex'), size: result.size })));
    } else {
      for (const result of results) context.print(`${Buffer.from(result.digest).toString('hex')}  ${result.path}`);
    }
    return 0;
  },
};
