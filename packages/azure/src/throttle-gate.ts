import { setTimeout as sleep } from 'node:timers/promises';
import type { CryptographyClientOptions } from '@azure/keyvault-keys';
import { AzureError } from './errors.js';

type AdditionalPolicy = NonNullable<CryptographyClientOptions['additionalPolicies']>[number];

/**
 * Longest Retry-After countersign honours. Key Vault asks for seconds; a longer wait means the vault
 * is not coming back within a CI job, and failing says so instead of hanging the job.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Attempts of one signature before a sustained 429 storm fails the run: with Key Vault's Retry-After
 * (a few seconds) this bounds a throttled signature to a few minutes, while a batch under an ordinary
 * throttle only slows down.
 */
export const SIGN_MAX_RETRIES = 10;

function retryAfterMs(headers: { get(name: string): string | undefined }): number | undefined {
  const milliseconds = headers.get('retry-after-ms') ?? headers.get('x-ms-retry-after-ms');
  if (milliseconds !== undefined && /^\d+$/.test(milliseconds)) return Number(milliseconds);
  const value = headers.get('retry-after');
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/**
 * One throttle window shared by every request of a signer. Key Vault throttles per vault, so when one
 * request is answered 429 the others would be too: they wait out the same Retry-After before their
 * next attempt instead of spending their own retries on it. The SDK's retry policy still does the
 * retrying; this runs under it, once per attempt.
 */
export class ThrottleGate {
  private resumeAt = 0;
  /** 429 answers seen, for reporting. */
  throttled = 0;

  readonly policy: AdditionalPolicy = {
    position: 'perRetry',
    policy: {
      name: 'countersignThrottleGate',
      sendRequest: async (request, next) => {
        const wait = this.resumeAt - Date.now();
        if (wait > 0) await sleep(wait);
        const response = await next(request);
        if (response.status === 429) {
          this.throttled++;
          const delay = retryAfterMs(response.headers) ?? 1000;
          if (delay > MAX_RETRY_AFTER_MS) {
            throw new AzureError('AZURE_THROTTLED', `${new URL(request.url).origin} asked to wait ${Math.ceil(delay / 1000)} s before the next request, longer than the ${MAX_RETRY_AFTER_MS / 1000} s countersign waits`);
          }
          this.resumeAt = Math.max(this.resumeAt, Date.now() + delay);
        }
        return response;
      },
    },
  };
}
