import { emptyPolicy } from '@countersign/core';
import { writePolicyFile } from '@countersign/steps';
import { flag, requiredOption } from '../args.js';
import type { Command } from './command.js';

export const trustInitCommand: Command = {
  name: 'trust init',
  summary: 'write an empty trust policy',
  help: `Usage: countersign trust init --out trust.json [--force]

Writes a trust policy that trusts no issuer yet and requires one receipt per statement.`,
  options: { out: { type: 'string' }, force: { type: 'boolean' } },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const out = requiredOption(this, args, 'out');
    await writePolicyFile(out, emptyPolicy(), { exclusive: !flag(args, 'force') });
    context.host.info(`wrote ${out}`);
    return 0;
  },
};
