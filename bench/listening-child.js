// Benchmarks drive servers in child processes (countersign serve, a bare node:http server, the Key
// Vault emulator), each announcing itself with a first stdout line "listening on URL ...".
import { spawn } from 'node:child_process';

/**
 * Starts `node ...args` and resolves once its first stdout line is known: `{ firstLine, pid, stop }`,
 * `stop()` sending SIGTERM (SIGKILL after 5 s) and resolving with the exit code. Gives up after 20 s.
 */
export function startListeningChild(args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${args.join(' ')} did not start within 20 s: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      const firstLine = stdout.slice(0, newline);
      if (!firstLine.startsWith('listening on ')) {
        void stop();
        reject(new Error(`${args.join(' ')} printed "${firstLine}" instead of "listening on ..."`));
        return;
      }
      resolve({ firstLine, pid: child.pid, stop });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code}) before listening: ${stderr}`));
    });
  });
}
