import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { answerAndClose, isClosing, rawProblem } from './closing.js';

const TIMEOUT = rawProblem(408, 'the request did not arrive within the time allowed');
const HEADERS_TOO_LARGE = rawProblem(431, 'the request headers are over the size allowed');
const MALFORMED = rawProblem(400, 'the request is not well-formed HTTP/1.1');

/**
 * Answers Node's 'clientError' (headers or request timeout, unparsable request, reset) with problem
 * details where a response can still be written, then closes. It is the client's doing, never logged.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (isClosing(socket)) return;
  // Node links a socket to the response it is writing; once that response has started, nothing else fits.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  answerAndClose(socket, error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? TIMEOUT : error.code === 'HPE_HEADER_OVERFLOW' ? HEADERS_TOO_LARGE : MALFORMED);
}
