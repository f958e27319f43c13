import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One TCP connection that writes whatever a test hands it, well-formed or not, and reads back at most
 * one HTTP/1.1 response. Every wait it offers is bounded, and it never throws on a reset: a hostile
 * client's writes are expected to fail once the server has answered and closed.
 */
export class RawConnection {
  private received = Buffer.alloc(0);
  private parsed: RawResponse | undefined;
  private closedFlag = false;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.parse();
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedFlag = true;
      this.wake();
    });
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Resolves once the bytes are handed to the kernel, or the connection failed. */
  write(bytes: string | Uint8Array): Promise<void> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  get bytesReceived(): number {
    return this.received.length;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  get response(): RawResponse | undefined {
    return this.parsed;
  }

  /** The response, once it is complete; undefined if the connection closed first or `boundMs` passed. */
  async waitForResponse(boundMs: number): Promise<RawResponse | undefined> {
    await this.waitUntil(() => this.parsed !== undefined || this.closedFlag, boundMs);
    return this.parsed;
  }

  /** Whether the server closed (or reset) the connection within `boundMs`. */
  async waitForClose(boundMs: number): Promise<boolean> {
    await this.waitUntil(() => this.closedFlag, boundMs);
    return this.closedFlag;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private waitUntil(done: () => boolean, boundMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve();
      }, boundMs);
      this.waiters.add(check);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private parse(): void {
    if (this.parsed) return;
    const end = this.received.indexOf('\r\n\r\n');
    if (end < 0) return;
    const [statusLine, ...lines] = this.received.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (this.received.length < end + 4 + length) return;
    this.parsed = { status: Number(statusLine?.split(' ')[1]), headers, body: this.received.subarray(end + 4, end + 4 + length) };
  }
}

/** Sends one whole request on a fresh connection and returns the answer (bounded). */
export async function rawRequest(url: string, request: string | Uint8Array, boundMs = 10_000): Promise<RawResponse | undefined> {
  const connection = await RawConnection.open(url);
  try {
    await connection.write(request);
    return await connection.waitForResponse(boundMs);
  } finally {
    connection.destroy();
  }
}

/** A process's resident memory in bytes, from /proc (Linux). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
