import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NamedKeySpec } from '@countersign/azure';
import { listOption, stringOption, usage } from '../args.js';
import { CliError } from '../errors.js';
import { loadAzure } from '../io/load-azure.js';
import type { Command } from './command.js';

function wholeNumber(command: Command, option: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max) throw usage(command, `--${option} must be a whole number from 0 to ${max}`);
  return value;
}

export const devKeyVaultCommand: Command = {
  name: 'dev key-vault',
  summary: 'run a Key Vault emulator (HTTPS on 127.0.0.1) for tests and trying Key Vault signing',
  help: `Usage: countersign dev key-vault [--port 0] [--key NAME:EC:P-256 ...] [--latency-ms N] [--throttle-every N]

Serves the Key Vault keys and certificates REST API the Azure SDKs call (create, get, list versions,
update and disable, rotate, rotation policy, sign, certificates) over HTTPS with a CA made for this run,
with real signatures. Requests without a bearer token get Key Vault's 401 challenge; any token is
accepted (--azure-credential emulator sends one). Not a vault: keys live in memory and die with it.
  --key             create a key at start: NAME:EC[:P-256|P-384|P-521], NAME:RSA[:2048|3072|4096]
                    (EC-HSM and RSA-HSM too); repeat for more keys
  --latency-ms      delay every answer, as a remote vault's round trip would
  --throttle-every  answer every Nth sign request 429 with Retry-After: 1, as Key Vault throttles
The first line on standard output is "listening on <URL> ca <PEM path>"; trust that CA for this URL
only. --port 0 (the default) picks a free port. SIGINT or SIGTERM stops it and removes the CA file.`,
  options: {
    port: { type: 'string' },
    key: { type: 'string', multiple: true },
    'latency-ms': { type: 'string' },
    'throttle-every': { type: 'string' },
  },
  positionals: { min: 0, max: 0, name: '' },
  async run(args, context) {
    const port = wholeNumber(this, 'port', stringOption(args, 'port'), 65535) ?? 0;
    const latencyMs = wholeNumber(this, 'latency-ms', stringOption(args, 'latency-ms'), 60_000);
    const throttleEvery = wholeNumber(this, 'throttle-every', stringOption(args, 'throttle-every'), 1_000_000);
    const azure = await loadAzure();
    let keys: NamedKeySpec[];
    try {
      keys = listOption(args, 'key').map(azure.parseKeySpec);
    } catch (error) {
      if (error instanceof azure.KeySpecError) throw usage(this, `--key ${error.message}`);
      throw error;
    }
    let emulator;
    try {
      emulator = await azure.startKeyVaultEmulator({ port, keys, latencyMs, throttleEvery: throttleEvery || undefined });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError('USAGE', `127.0.0.1:${port} ${code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${code ?? 'unknown error'})`}`);
    }
    const caDir = await mkdtemp(join(tmpdir(), 'countersign-key-vault-'));
    const caPath = join(caDir, 'ca.pem');
    await writeFile(caPath, emulator.caPem);
    context.print(`listening on ${emulator.url} ca ${caPath}`);
    for (const key of emulator.state.latestKeys()) context.host.info(`key ${emulator.url}/keys/${key.name}/${key.version} (${key.kty} ${key.crv ?? key.keySize})`);
    return new Promise<number>((resolve) => {
      const stop = (): void => {
        emulator.close().then(
          () => rm(caDir, { recursive: true, force: true }).then(() => resolve(0)),
          () => resolve(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
};
