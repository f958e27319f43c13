import { CountersignError } from '@countersign/core';

export type HttpErrorCode =
  | 'HTTP_BAD_PATH' // a path that does not decode (malformed percent-encoding)
  | 'HTTP_BAD_QUERY' // a query parameter that is missing or not what the endpoint takes
  | 'HTTP_NOT_FOUND' // no such resource or operation
  | 'HTTP_METHOD_NOT_ALLOWED' // the resource exists but not for this method
  | 'HTTP_UNSUPPORTED_MEDIA_TYPE' // a registration that is not application/cose
  | 'HTTP_BODY_TOO_LARGE' // a body over the largest statement the service takes
  | 'HTTP_BODY_STALLED' // no body bytes arrived within the body timeout
  | 'HTTP_BUSY' // unfinished bodies already hold all the memory the server grants them
  | 'HTTP_CLIENT_ABORTED'; // the client went away before its body was complete: nothing to answer

const STATUS: Record<HttpErrorCode, number> = {
  HTTP_BAD_PATH: 400,
  HTTP_BAD_QUERY: 400,
  HTTP_NOT_FOUND: 404,
  HTTP_METHOD_NOT_ALLOWED: 405,
  HTTP_UNSUPPORTED_MEDIA_TYPE: 415,
  HTTP_BODY_TOO_LARGE: 413,
  HTTP_BODY_STALLED: 408,
  HTTP_BUSY: 503,
  HTTP_CLIENT_ABORTED: 400,
};

/**
 * The request was refused for what the client sent or how it sent it. These answers may leave part of
 * a body unread, so the connection is closed after them rather than drained.
 */
const CLOSING: ReadonlySet<HttpErrorCode> = new Set(['HTTP_METHOD_NOT_ALLOWED', 'HTTP_UNSUPPORTED_MEDIA_TYPE', 'HTTP_BODY_TOO_LARGE', 'HTTP_BODY_STALLED', 'HTTP_BUSY']);

/** A request the HTTP layer refuses; never the server's own fault, so never reported as an internal error. */
export class HttpError extends CountersignError<HttpErrorCode> {
  readonly area = 'http';

  constructor(
    code: HttpErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }

  get httpStatus(): number {
    return STATUS[this.code];
  }

  get closesConnection(): boolean {
    return CLOSING.has(this.code);
  }
}

export type ServerConfigErrorCode =
  | 'SERVER_BAD_LIMIT' // a limit that is not a positive integer, or limits that contradict each other
  | 'SERVER_BAD_PUBLIC_URL'; // a public base URL that is not an absolute http(s) URL without query or credentials

/** LedgerServerOptions that cannot work; raised before the server is created. */
export class ServerConfigError extends CountersignError<ServerConfigErrorCode> {
  readonly area = 'http';
}
