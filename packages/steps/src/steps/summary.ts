import type { Check } from '@countersign/core';
import type { VerifyStepResult } from './verify.js';

const OUTCOME: Record<Check['outcome'], string> = { pass: '✅ pass', fail: '❌ fail', skipped: '➖ skipped' };

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** A Markdown report, one table per artifact, ready for a GitHub job summary. */
export function verdictsMarkdown(results: readonly VerifyStepResult[]): string {
  const verified = results.filter((result) => result.verdict.verified).length;
  const lines = [`## countersign: ${verified} of ${results.length} artifact(s) verified`, ''];
  for (const result of results) {
    const { verdict } = result;
    lines.push(`### ${verdict.verified ? '✅' : '❌'} \`${cell(result.artifact)}\``, '');
    if (verdict.statement) {
      const facts = verdict.statement;
      lines.push(`Issuer \`${cell(facts.issuer)}\`, subject \`${cell(facts.subject)}\`, ${facts.algorithm}; digest \`${result.artifactDigest}\``, '');
      for (const receipt of facts.receipts) lines.push(`- logged by ${cell(receipt.service ?? 'unnamed service')} as entry \`${cell(receipt.entryId)}\`${receipt.registeredAt ? ` at ${receipt.registeredAt}` : ''}`);
      if (facts.receipts.length) lines.push('');
    }
    lines.push('| check | outcome | reason |', '| --- | --- | --- |');
    for (const check of verdict.checks) lines.push(`| ${check.name} | ${OUTCOME[check.outcome]} | ${cell(check.reason)} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
