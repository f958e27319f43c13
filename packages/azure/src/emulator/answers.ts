import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The tenant the emulator's bearer challenge names; no directory has it. */
export const EMULATOR_TENANT_ID = '00000000-0000-0000-0000-00000000c0de';
export const EMULATOR_SERVICE_VERSION = '1.9.0.0-countersign-emulator';

export type VaultFlavor = 'vault' | 'managed-hsm';

/** The error envelope every Key Vault data-plane error uses; innererror narrows the code where the service does. */
export class VaultAnswerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badParameter = (message: string): VaultAnswerError => new VaultAnswerError(400, 'BadParameter', message);

export function keyNotFound(name: string, version?: string): VaultAnswerError {
  const id = version ? `${name}/${version}` : name;
  return new VaultAnswerError(404, 'KeyNotFound', `A key with (name/id) ${id} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command.`);
}

export function certificateNotFound(name: string): VaultAnswerError {
  return new VaultAnswerError(404, 'CertificateNotFound', `A certificate with (name/id) ${name} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command.`);
}

export function keyDisabled(operation: string): VaultAnswerError {
  return new VaultAnswerError(403, 'Forbidden', `Operation ${operation} is not allowed on a disabled key.`, 'KeyDisabled');
}

/** What Key Vault puts in WWW-Authenticate: where to get a token, and for which resource. */
export function bearerChallenge(flavor: VaultFlavor): string {
  const resource = flavor === 'managed-hsm' ? 'https://managedhsm.azure.net' : 'https://vault.azure.net';
  return `Bearer authorization="https://login.microsoftonline.com/${EMULATOR_TENANT_ID}", resource="${resource}"`;
}

function commonHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {
    'Cache-Control': 'no-cache',
    Pragma: 'no-cache',
    Expires: '-1',
    'Strict-Transport-Security': 'max-age=31536000;includeSubDomains',
    'X-Content-Type-Options': 'nosniff',
    'x-ms-request-id': randomUUID(),
    'x-ms-keyvault-region': 'emulator',
    'x-ms-keyvault-service-version': EMULATOR_SERVICE_VERSION,
  };
  const clientRequestId = request.headers['x-ms-client-request-id'];
  if (typeof clientRequestId === 'string' && /^[0-9A-Za-z-]{1,64}$/.test(clientRequestId)) headers['x-ms-client-request-id'] = clientRequestId;
  return headers;
}

export function sendJson(request: IncomingMessage, response: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...commonHeaders(request),
    ...extraHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendError(request: IncomingMessage, response: ServerResponse, error: VaultAnswerError): void {
  const body = { error: { code: error.code, message: error.message, ...(error.innerCode ? { innererror: { code: error.innerCode } } : {}) } };
  sendJson(request, response, error.status, body, error.headers);
}
