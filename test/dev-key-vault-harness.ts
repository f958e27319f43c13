import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_BIN } from './cli-harness.js';

export interface DevKeyVault {
  child: ChildProcess;
  /** https://127.0.0.1:PORT */
  url: string;
  /** The CA file it printed; trust it with --key-vault-ca. */
  caPath: string;
  exited: Promise<number | null>;
}

/** Starts `countersign dev key-vault ARGS` and resolves once it printed where it listens; gives up after 20 s. */
export function startDevKeyVault(args: string[]): Promise<DevKeyVault> {
  const child = spawn(process.execPath, [CLI_BIN, 'dev', 'key-vault', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`countersign dev key-vault printed no first line within 20 s: ${stderr}`));
    }, 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      const match = /^listening on (https:\/\/127\.0\.0\.1:\d+) ca (\S+\.pem)$/.exec(stdout.slice(0, newline));
      if (!match) {
        child.kill('SIGKILL');
        reject(new Error(`unexpected first line: ${stdout.slice(0, newline)}`));
      } else resolve({ child, url: match[1] as string, caPath: match[2] as string, exited });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`countersign dev key-vault exited (${code}) before listening: ${stderr}`));
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s. */
export async function stopDevKeyVault(running: DevKeyVault): Promise<number | null> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 5_000);
  const code = await running.exited;
  clearTimeout(timer);
  return code;
}
