import { describe, expect, it } from '@jest/globals';
import { KeyVaultSigner } from '../src/key-vault-signer.js';
import { rejectionCode } from './error-code.js';
import { startEmulatorFixture } from './emulator-fixture.js';

const data = (i: number): Uint8Array => new TextEncoder().encode(`artifact ${i}`);

describe('throttling shared by every request of a signer', () => {
  it('concurrent signatures under a throttle all complete, and the gate saw every 429', async () => {
    const fixture = await startEmulatorFixture({ throttleEvery: 2 });
    try {
      await fixture.keys.createEcKey('busy', { curve: 'P-256' });
      const signer = await KeyVaultSigner.open({ ...fixture.connection, keyUrl: `${fixture.emulator.url}/keys/busy` });
      const signatures = await Promise.all(Array.from({ length: 12 }, (_, i) => signer.sign(data(i))));
      expect(signatures.every((signature) => signature.length === 64)).toBe(true);
      expect(fixture.emulator.counters.throttled).toBeGreaterThanOrEqual(6);
      expect(signer.throttleGate.throttled).toBe(fixture.emulator.counters.throttled);
    } finally {
      await fixture.emulator.close();
    }
  });

  it('a sustained 429 storm fails with AZURE_THROTTLED once the retry budget is spent', async () => {
    const fixture = await startEmulatorFixture({ throttleEvery: 1 });
    try {
      await fixture.keys.createEcKey('storm', { curve: 'P-256' });
      const signer = await KeyVaultSigner.open({ ...fixture.connection, keyUrl: `${fixture.emulator.url}/keys/storm`, maxRetries: 2 });
      expect(await rejectionCode(() => signer.sign(data(0)))).toBe('AZURE_THROTTLED');
      expect(fixture.emulator.counters.throttled).toBe(3);
    } finally {
      await fixture.emulator.close();
    }
  });

  it('a Retry-After longer than countersign waits fails at once instead of hanging', async () => {
    const fixture = await startEmulatorFixture({ throttleEvery: 1, retryAfterSeconds: 600 });
    try {
      await fixture.keys.createEcKey('closed', { curve: 'P-256' });
      const signer = await KeyVaultSigner.open({ ...fixture.connection, keyUrl: `${fixture.emulator.url}/keys/closed` });
      expect(await rejectionCode(() => signer.sign(data(0)))).toBe('AZURE_THROTTLED');
      expect(fixture.emulator.counters.throttled).toBe(1);
    } finally {
      await fixture.emulator.close();
    }
  });
});
