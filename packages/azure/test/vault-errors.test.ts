import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { vaultFailure } from '../src/vault-errors.js';
import { startEmulatorFixture, type EmulatorFixture } from './emulator-fixture.js';
import { sdkFailureOf } from './error-code.js';

let fixture: EmulatorFixture;

beforeAll(async () => {
  fixture = await startEmulatorFixture();
});

afterAll(async () => {
  await fixture.emulator.close();
});

describe('what a refused request tells the user', () => {
  it('a request the vault calls malformed carries the vault’s own reason, read from what the SDK throws', async () => {
    const thrown = await sdkFailureOf(() => fixture.keys.createKey('bad-curve', 'EC', { curve: 'P-999' as 'P-256' }));
    const failure = vaultFailure(thrown, 'creating bad-curve');
    expect(failure.code).toBe('AZURE_SERVICE_ERROR');
    expect(failure.message).toBe('creating bad-curve: the vault answered 400 BadParameter: The specified curve (crv) is invalid: P-999');
  });

  it('the reason stays one bounded line and never carries anything shaped like a token', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJl';
    const message = `Property value has invalid value.\nSee ${token} for details. ${'x'.repeat(400)}`;
    const failure = vaultFailure({ statusCode: 400, code: 'BadParameter', details: { error: { code: 'BadParameter', message } } }, 'signing');
    expect(failure.message).not.toContain('eyJ');
    expect(failure.message).toContain('[token]');
    expect(failure.message).not.toMatch(/[\r\n]/);
    expect(failure.message.length).toBeLessThan(400);
    expect(failure.message).toMatch(/^signing: the vault answered 400 BadParameter: Property value has invalid value\..*\.\.\.$/);
  });

  it('a conflict says why; a server error and a refused token keep to the status and code', () => {
    const answer = (statusCode: number, code: string) => ({ statusCode, code, details: { error: { code, message: 'the service explains' } } });
    expect(vaultFailure(answer(409, 'Conflict'), 'rotating k').message).toBe('rotating k: the vault answered 409 Conflict: the service explains');
    expect(vaultFailure(answer(500, 'InternalServerError'), 'rotating k').message).toBe('rotating k: the vault answered 500 InternalServerError');
    expect(vaultFailure(answer(401, 'Unauthorized'), 'rotating k').message).not.toContain('the service explains');
    expect(vaultFailure({ statusCode: 400, code: 'BadParameter' }, 'rotating k').message).toBe('rotating k: the vault answered 400 BadParameter');
  });
});
