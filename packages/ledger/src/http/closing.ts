import type { Duplex } from 'node:stream';
import { MEDIA, problemBody, titleOf } from './responses.js';

/**
 * How long a refused client gets to read its answer before the connection is dropped. Closing at once
 * while its upload is still arriving makes the kernel reset the connection, and a client busy writing
 * then sees the reset instead of the answer. The wait costs little memory: nobody reads the request,
 * so Node stops reading the socket once the request's small stream buffer is full and the rest stays
 * in the kernel while the client's writes stall.
 */
export const LINGER_MS = 2_000;

const answered = new WeakSet<Duplex>();

/** A whole HTTP/1.1 problem answer as bytes, for writing on a socket whose request will not be read to its end. */
export function rawProblem(status: number, detail: string, headers: Record<string, string> = {}): Buffer {
  const body = problemBody(status, detail);
  let head = `HTTP/1.1 ${status} ${titleOf(status)}\r\ncontent-type: ${MEDIA.problem}\r\ncontent-length: ${body.length}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return Buffer.concat([Buffer.from(`${head}connection: close\r\n\r\n`, 'latin1'), body]);
}

/**
 * Writes `answer`, half-closes the connection and drops it after LINGER_MS
 * (sooner if the client closes). The request's body is never read to its end.
 */
export function answerAndClose(socket: Duplex, answer: Buffer): void {
  if (answered.has(socket) || socket.destroyed) return;
  answered.add(socket);
  socket.end(answer);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
}

/** Whether the connection has already been answered this way (nothing more may be written on it). */
export function isClosing(socket: Duplex): boolean {
  return answered.has(socket);
}
