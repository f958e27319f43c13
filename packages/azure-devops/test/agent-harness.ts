import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { PACKAGE_DIR } from './task-folders.js';

/** The runtimes a task.json's execution handlers name: Node20_1 (this Node) and Node24 (installed apart, in tools/node24). */
export const AGENT_NODES: Record<'Node20_1' | 'Node24', string> = {
  Node20_1: process.execPath,
  Node24: join(PACKAGE_DIR, '..', '..', 'tools', 'node24', 'node_modules', 'node', 'bin', 'node'),
};

/** Bundles the tasks as `npm run build` does, so the tests run what the agent would run. */
export function bundleTasks(): void {
  execFileSync(process.execPath, [join(PACKAGE_DIR, 'scripts', 'bundle-tasks.mjs')], { stdio: 'inherit', timeout: 120_000, killSignal: 'SIGKILL' });
}

export interface TaskRun {
  status: number;
  stdout: string;
  stderr: string;
  /** Output variables set with isOutput=true, by name, unescaped as the agent unescapes them. */
  outputs: Record<string, string>;
  /** The task.complete line's result and reason, when the task set one. */
  complete?: { result: string; reason: string };
  /** task.logissue lines: their properties and message. */
  issues: Array<{ properties: Record<string, string>; message: string }>;
  /** Files attached with task.uploadsummary. */
  summaries: string[];
}

const unescape = (text: string): string => text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%5D/g, ']').replace(/%3B/g, ';').replace(/%25/g, '%');

function properties(text: string): Record<string, string> {
  return Object.fromEntries(text.split(';').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), unescape(pair.slice(pair.indexOf('=') + 1))]));
}

/**
 * Runs a task's bundle the way the agent does: `node index.js` in a fresh process, each input as
 * INPUT_<NAME> (upper-cased), the agent's directories as variables, and nothing else of this process.
 */
export function runTask(folder: string, inputs: Record<string, string>, agent: { workDir: string; tempDir: string; env?: Record<string, string>; node?: string }): TaskRun {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AGENT_TEMPDIRECTORY: agent.tempDir,
    SYSTEM_DEFAULTWORKINGDIRECTORY: agent.workDir,
    ...agent.env,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const result = spawnSync(agent.node ?? AGENT_NODES.Node20_1, [join(PACKAGE_DIR, 'tasks', folder, 'index.js')], { cwd: agent.workDir, env, encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  if (result.error) throw result.error;
  const run: TaskRun = { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, outputs: {}, issues: [], summaries: [] };
  for (const line of result.stdout.split('\n')) {
    const command = /^##vso\[([\w.]+)([^\]]*)\](.*)$/.exec(line);
    if (!command) continue;
    const [, name, props, message] = command as unknown as [string, string, string, string];
    const parsed = properties(props.trim());
    if (name === 'task.setvariable' && parsed.isOutput === 'true') run.outputs[parsed.variable as string] = unescape(message);
    if (name === 'task.complete') run.complete = { result: parsed.result as string, reason: unescape(message) };
    if (name === 'task.logissue') run.issues.push({ properties: parsed, message: unescape(message) });
    if (name === 'task.uploadsummary') run.summaries.push(message);
  }
  return run;
}

/** A failed task: one Failed result whose reason is one line starting with the code, and no stack anywhere. */
export function expectFailed(run: TaskRun, code: string): void {
  expect(run.complete?.result).toBe('Failed');
  expect(run.complete?.reason.split(': ')[0]).toBe(code);
  expect(run.complete?.reason).not.toContain('\n');
  expect(run.stdout.match(/##vso\[task\.complete /g)).toHaveLength(1);
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
}
