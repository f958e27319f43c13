import type { ServerResponse } from 'node:http';
import { encode, type Encodable } from '@countersign/core';

export const MEDIA = Object.freeze({
  cose: 'application/cose',
  receipt: 'application/scitt-receipt+cose',
  cbor: 'application/cbor',
  json: 'application/json',
  problem: 'application/concise-problem-details+cbor',
});

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function send(response: ServerResponse, status: number, contentType: string | undefined, body?: Uint8Array | string, headers: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  response.writeHead(status, { ...(contentType ? { 'content-type': contentType } : {}), 'content-length': String(bytes?.length ?? 0), ...headers });
  response.end(bytes);
}

export function sendCbor(response: ServerResponse, status: number, value: Encodable, headers: Record<string, string> = {}): void {
  send(response, status, MEDIA.cbor, encode(value), headers);
}

/** RFC 9290 concise problem details: {-1: title, -2: detail}. */
export function titleOf(status: number): string {
  return TITLES[status] ?? 'Error';
}

export function problemBody(status: number, detail: string, title = titleOf(status)): Uint8Array {
  return encode(new Map<number, string>([[-1, title], [-2, detail]]));
}

export function sendProblem(response: ServerResponse, status: number, detail: string, headers: Record<string, string> = {}): void {
  send(response, status, MEDIA.problem, problemBody(status, detail), headers);
}
