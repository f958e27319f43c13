import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_BIN, REPO_ROOT, scratchDir } from './cli-harness.js';

const TRACE_HOOK = join(REPO_ROOT, 'test/fixtures/module-trace.mjs');

/** Runs the built CLI and returns its exit code and the modules it resolved. */
function modulesLoadedBy(args: string[], cwd: string): { status: number; modules: string[] } {
  const trace = join(cwd, `trace-${args[0]}-${Date.now()}.txt`);
  writeFileSync(trace, '');
  const result = spawnSync(process.execPath, ['--import', TRACE_HOOK, CLI_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
    env: { ...process.env, NODE_OPTIONS: '', COUNTERSIGN_MODULE_TRACE: trace },
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, modules: readFileSync(trace, 'utf8').split('\n').filter(Boolean) };
}

// The bundled command keeps the Azure code, SDKs included, in a chunk of its own: azure.js.
const azureModules = (modules: string[]): string[] => modules.filter((url) => url.includes('/@azure/') || url.includes('/packages/azure/') || url.endsWith('/bundle/azure.js'));

// node:http, node:https and node:tls cost every command some 10 ms to load; only the network needs them.
const networkBuiltins = (modules: string[]): string[] => modules.filter((entry) => ['builtin:http', 'builtin:https', 'builtin:tls'].includes(entry));

describe('start-up: the Azure SDKs and the network modules load only for commands that use them', () => {
  const { dir, cleanup } = scratchDir('start-up');
  afterAll(cleanup);

  it('commands on local keys and files do not load them', () => {
    writeFileSync(join(dir, 'a.txt'), 'artifact');
    expect(modulesLoadedBy(['keygen', '--out', join(dir, 'k.pem')], dir).status).toBe(0);
    for (const args of [['--version'], ['verify', '--help'], ['sign', 'a.txt', '--key', 'k.pem'], ['inspect', 'a.txt.cose']]) {
      const run = modulesLoadedBy(args, dir);
      expect({ args, status: run.status }).toEqual({ args, status: 0 });
      expect(run.modules.some((url) => url.endsWith('/bundle/countersign.js'))).toBe(true);
      expect({ args, azure: azureModules(run.modules) }).toEqual({ args, azure: [] });
      expect({ args, network: networkBuiltins(run.modules) }).toEqual({ args, network: [] });
    }
  });

  it('a command that reaches a service loads node:http (the trace sees built-ins when they are used)', () => {
    const run = modulesLoadedBy(['log', 'a.txt.cose', '--service', 'http://127.0.0.1:9', '--timeout', '2', '--no-local-check'], dir);
    expect(run.status).not.toBe(0);
    expect(networkBuiltins(run.modules)).toContain('builtin:http');
  });

  it('a Key Vault key loads them (the trace sees the SDK when it is used)', () => {
    const run = modulesLoadedBy(['sign', 'a.txt', '--key', 'https://example.vault.azure.net/keys/release', '--azure-credential', 'emulator'], dir);
    expect(run.status).toBe(2);
    expect(azureModules(run.modules).length).toBeGreaterThan(0);
  });
});
