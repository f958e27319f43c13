import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => void;

/** A loopback SCRAPI service whose answers each test scripts, one handler per request in order. */
export class ScriptedService {
  readonly requests: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }> = [];
  private script: Handler[] = [];
  private readonly server: Server;
  url = '';

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
        const handler = this.script.shift() ?? ((_, res) => res.writeHead(500).end());
        handler(request, response, Buffer.concat(chunks));
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(...handlers: Handler[]): void {
    this.script = handlers;
    this.requests.length = 0;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export const RECEIPT = Uint8Array.of(0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40);
export const status = (code: number, headers: Record<string, string> = {}, body?: Uint8Array): Handler => (_, response) => response.writeHead(code, headers).end(body);
export const receipt = (id: string): Handler => status(201, { location: `/entries/${id}`, 'content-type': 'application/scitt-receipt+cose' }, RECEIPT);
