import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMMANDS = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'src', 'commands');

/** Lines of a command file outside its --help text: the code that parses, calls and prints. */
function codeLines(text: string): number {
  const help = [...text.matchAll(/help: `[\s\S]*?`/g)].reduce((lines, match) => lines + match[0].split('\n').length - 1, 0);
  return text.split('\n').length - help;
}

/** The commands that run a step: argument parsing, one step, printing. */
const STEP_COMMANDS = ['sign.ts', 'log.ts', 'verify.ts', 'release.ts', 'rotate-key.ts', 'monitor.ts', 'entries.ts'];
const STEP_COMMAND_LIMIT = 80;
const COMMAND_LIMIT = 120;

describe('CLI command files stay thin', () => {
  const files = readdirSync(COMMANDS).filter((name) => name.endsWith('.ts'));

  it('has every step command it is meant to check', () => {
    expect(files).toEqual(expect.arrayContaining(STEP_COMMANDS));
  });

  it(`keeps each step command under ${STEP_COMMAND_LIMIT} lines of code and every other command under ${COMMAND_LIMIT}`, () => {
    const over = files
      .map((name) => ({ name, lines: codeLines(readFileSync(join(COMMANDS, name), 'utf8')) }))
      .filter(({ name, lines }) => lines > (STEP_COMMANDS.includes(name) ? STEP_COMMAND_LIMIT : COMMAND_LIMIT));
    expect(over).toEqual([]);
  });

  it('leaves step logic to @countersign/steps: no step command reads statements, digests files or registers itself', () => {
    for (const name of STEP_COMMANDS) {
      const text = readFileSync(join(COMMANDS, name), 'utf8');
      expect({ name, found: text.match(/\.register\(|digestFiles|createSignedStatement|verifyStatement\(|embedReceipts|appendFile/g) ?? [] }).toEqual({ name, found: [] });
    }
  });

  it('counts code lines, not help text', () => {
    expect(codeLines('a\nhelp: `one\ntwo\nthree`,\nb')).toBe(3);
  });
});
