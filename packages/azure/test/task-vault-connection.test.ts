import type { TokenCredential } from '@azure/identity';
import { describe, expect, it } from '@jest/globals';
import { EMULATOR_TOKEN, EmulatorCredential } from '../src/credentials/emulator-credential.js';
import { AzureError } from '../src/errors.js';
import { taskVaultConnection, type TaskVaultAccess } from '../src/vault-connection.js';
import { rejectionCode } from './error-code.js';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n';

/** A task's access with files held in memory, and a record of the sign-ins it was asked for. */
function access(files: Record<string, string>, emulatorCa?: string, signIn?: () => Promise<TokenCredential>) {
  const calls = { signIns: 0, reads: [] as string[], debug: [] as string[] };
  const given: TaskVaultAccess = {
    emulatorCa,
    readText: async (path) => {
      calls.reads.push(path);
      const text = files[path];
      if (text === undefined) throw new AzureError('AZURE_SERVICE_ERROR', `test: no file ${path}`);
      return text;
    },
    signIn: async () => {
      calls.signIns += 1;
      return signIn ? signIn() : new EmulatorCredential();
    },
    debug: (message) => calls.debug.push(message),
  };
  return { given, calls };
}

describe('taskVaultConnection: how a CI task reaches Key Vault', () => {
  it('with the emulator CA: that CA alone, the emulator credential, and no sign-in', async () => {
    const { given, calls } = access({ 'ca.pem': CA_PEM }, 'ca.pem');
    const connection = await taskVaultConnection(given);
    expect(connection.emulatorCaPem).toBe(CA_PEM);
    expect((await connection.credential.getToken('https://vault.azure.net/.default'))?.token).toBe(EMULATOR_TOKEN);
    expect(calls).toEqual({ signIns: 0, reads: ['ca.pem'], debug: [expect.stringContaining('ca.pem')] });
  });

  it('without it: the task sign-in, whose failure to give a token is typed', async () => {
    const { given, calls } = access({}, undefined, async () => ({ getToken: async () => null }));
    const connection = await taskVaultConnection(given);
    expect(connection.emulatorCaPem).toBeUndefined();
    expect(calls.signIns).toBe(1);
    expect(await rejectionCode(() => connection.credential.getToken('https://vault.azure.net/.default'))).toBe('AZURE_TOKEN_REFUSED');
  });

  it('a CA file that holds no certificate fails naming the file, before any sign-in', async () => {
    const { given, calls } = access({ 'notes.txt': 'no certificate here' }, 'notes.txt');
    await expect(taskVaultConnection(given)).rejects.toMatchObject({ code: 'X509_NO_CERTIFICATE', message: expect.stringContaining('notes.txt') });
    expect(calls.signIns).toBe(0);
  });
});
