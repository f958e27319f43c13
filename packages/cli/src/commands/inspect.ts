import { decodeSign1, describeStatement } from '@countersign/core';
import { readInput } from '@countersign/steps';
import { JSON_OPTION, printJson, type Command } from './command.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'show what a signed statement or receipt holds, headers by name',
  help: `Usage: countersign inspect FILE.cose [--json]

Shows the protected and unprotected headers by name, the CWT claims, the payload (digest or
content), the certificate chain and any receipts. It reads the statement without verifying it.`,
  options: { ...JSON_OPTION },
  positionals: { min: 1, max: 1, name: 'FILE.cose' },
  async run(args, context) {
    const path = args.positionals[0] as string;
    const bytes = await readInput(path, 'statement', 16 * 1024 * 1024);
    const description = describeStatement(decodeSign1(bytes));
    if (context.json) printJson(context, description);
    else context.print(renderDescription(description));
    return 0;
  },
};

function renderDescription(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return String(value);
  const lines: string[] = [];
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined) continue;
    if (Array.isArray(item)) {
      lines.push(`${indent}${key}:`);
      item.forEach((element, index) => {
        if (element !== null && typeof element === 'object') lines.push(`${indent}  [${index}]`, renderDescription(element, `${indent}    `));
        else lines.push(`${indent}  - ${String(element)}`);
      });
    } else if (item !== null && typeof item === 'object' && Object.keys(item).length === 0) {
      lines.push(`${indent}${key}: (empty)`);
    } else if (item !== null && typeof item === 'object') {
      lines.push(`${indent}${key}:`, renderDescription(item, `${indent}  `));
    } else {
      lines.push(`${indent}${key}: ${String(item)}`);
    }
  }
  return lines.join('\n');
}
