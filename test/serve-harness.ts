import { spawn, type ChildProcess } from 'node:child_process';
import { CLI_BIN } from './cli-harness.js';

export interface RunningServer {
  url: string;
  /** With --tls: the service identity PEM the server printed. */
  identity?: string;
  child: ChildProcess;
  stderr: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Starts `countersign serve` as a child process and resolves with its URL from the first stdout line. */
export function startServer(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [CLI_BIN, 'serve', '--port', '0', ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`countersign serve did not start within ${options.timeoutMs ?? 15_000} ms: ${stderr}`));
    }, options.timeoutMs ?? 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^listening on (https?:\/\/\S+)(?: identity (\S+))?\n/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1] as string, identity: match[2], child, stderr: () => stderr, stop });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`countersign serve exited (${code}) before listening: ${stderr}`));
    });
  });
}
