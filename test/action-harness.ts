import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { REPO_ROOT } from './cli-harness.js';

export const NODE_20 = process.execPath;
export const NODE_24 = join(REPO_ROOT, 'tools/node24/node_modules/.bin/node');

export interface ActionRun {
  status: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The ::error and ::notice workflow commands the run printed, parsed. */
  commands: Array<{ command: string; properties: Record<string, string>; message: string }>;
}

/** Reads GITHUB_OUTPUT as the runner does: name=value lines, and name<<DELIMITER blocks for values with line breaks. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const block = /^([^=<]+)<<(.+)$/.exec(line);
    if (block) {
      const end = lines.indexOf(block[2] as string, index + 1);
      if (end < 0) throw new Error(`unterminated output ${block[1]}`);
      outputs[block[1] as string] = lines.slice(index + 1, end).join('\n');
      index = end;
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

const unescape = (text: string): string => text.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');

function commandsOf(stdout: string): ActionRun['commands'] {
  return stdout.split('\n').flatMap((line) => {
    const match = /^::(\w+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) return [];
    const properties = Object.fromEntries((match[2] ?? '').split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), unescape(pair.slice(pair.indexOf('=') + 1))]));
    return [{ command: match[1] as string, properties, message: unescape(match[3] as string) }];
  });
}

/**
 * Runs dist/<step>/index.js the way the runner does: inputs as INPUT_<NAME> (upper case, dashes
 * kept), the command files in a fresh directory, and nothing of this process's GitHub environment.
 */
export function runActionBundle(step: string, inputs: Record<string, string>, options: { cwd: string; node?: string; env?: Record<string, string> }): Promise<ActionRun> {
  const files = mkdtempSync(join(options.cwd, '.runner-'));
  const paths = { GITHUB_OUTPUT: join(files, 'output'), GITHUB_STEP_SUMMARY: join(files, 'summary'), GITHUB_ENV: join(files, 'env') };
  for (const path of Object.values(paths)) writeFileSync(path, '');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? files, ...paths, ...options.env };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return new Promise((resolve, reject) => {
    execFile(options.node ?? NODE_20, [join(REPO_ROOT, 'dist', step, 'index.js')], { cwd: options.cwd, env, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({
        status: typeof error?.code === 'number' ? error.code : 0,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(paths.GITHUB_OUTPUT, 'utf8')),
        summary: readFileSync(paths.GITHUB_STEP_SUMMARY, 'utf8'),
        commands: commandsOf(stdout),
      });
    });
  });
}

export const errorAnnotations = (run: ActionRun) => run.commands.filter((command) => command.command === 'error');

/** A failed step: exit 1, the last ::error the step's one-line reason ending in its code, annotations of one line each, and no stack trace anywhere. */
export function expectFailedStep(run: ActionRun, code: string): void {
  expect(run.status).toBe(1);
  expect(errorAnnotations(run).at(-1)?.message).toMatch(new RegExp(`\\[${code}\\]$`));
  for (const error of errorAnnotations(run)) expect(error.message).not.toContain('\n');
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
}
