import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The bundled command, as the package's bin runs it. */
export const CLI_BIN = join(REPO_ROOT, 'packages/cli/dist/bundle/countersign.js');

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `countersign` as a separate process, the way a user or CI job does; with `fileLimit`,
 * in a process allowed only that many open file descriptors (a shell's `ulimit -n`).
 */
export function countersign(args: string[], options: { cwd?: string; timeoutMs?: number; fileLimit?: number } = {}): CliRun {
  const command = [process.execPath, CLI_BIN, ...args];
  const [file, ...fileArgs] = options.fileLimit === undefined ? command : ['/bin/sh', '-c', 'ulimit -n "$0" && exec "$@"', String(options.fileLimit), ...command];
  const result = spawnSync(file as string, fileArgs, {
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
    // serve and dev key-vault stop gracefully on SIGTERM: a run that must end at its limit is killed outright.
    killSignal: 'SIGKILL',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh directory for one test file, removed by the returned cleanup. */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `countersign-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A failure must be reported as one line naming the cause, never a stack trace. */
export function expectOneLineError(run: CliRun, status: number, pattern: RegExp): void {
  expect(run.status).toBe(status);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

/**
 * The same, without blocking this process: a test that serves HTTP to the CLI from its own event
 * loop needs it, and so does one that sets environment variables (COUNTERSIGN_TOKEN, COUNTERSIGN_DEBUG).
 */
export function countersignAsync(args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 30_000, env: { ...process.env, NODE_OPTIONS: '', ...options.env } },
      (error, stdout, stderr) => {
        const status = typeof error?.code === 'number' ? error.code : error ? undefined : 0;
        if (status === undefined) reject(error);
        else resolve({ status, stdout, stderr });
      },
    );
  });
}
