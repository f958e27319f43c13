// The baseline for bench/ledger.js: a bare node:http server that reads each POST body whole and answers
// 201 with a fixed 300-byte body, the HTTP work `countersign serve` does around a registration and
// nothing else. Prints "listening on <URL>" like `countersign serve`; stops on SIGTERM or after
// MAX_LIFETIME_MS, so a benchmark that dies cannot leave it running.
import { createServer } from 'node:http';

const BODY = Buffer.alloc(300, 0x5a);
const MAX_LIFETIME_MS = 10 * 60_000;

const server = createServer((request, response) => {
  let bytes = 0;
  request.on('data', (chunk) => (bytes += chunk.length));
  request.on('end', () => {
    response.writeHead(bytes > 0 ? 201 : 400, { 'content-type': 'application/scitt-receipt+cose', 'content-length': String(BODY.length), location: '/entries/0' });
    response.end(BODY);
  });
});

function stop() {
  clearTimeout(lifetime);
  server.close();
  server.closeAllConnections();
}
const lifetime = setTimeout(stop, MAX_LIFETIME_MS);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
