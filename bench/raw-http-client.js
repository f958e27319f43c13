// A minimal keep-alive HTTP/1.1 client for benchmarks: `inFlight` sockets, one prebuilt request on
// each at a time, every response read by its Content-Length. It spends far less CPU per request
// than node:http's client, so the server it drives, not the client, sets the rate.
import net from 'node:net';

/**
 * Sends requests 0 .. count - 1 (`requestOf(index)` gives each one's bytes) and resolves with the
 * elapsed milliseconds once every one has answered `expectedStatus`; `onAnswer(index, body, ms)`
 * sees each body (a view, valid during the call) and its latency. Fails on anything else, or after
 * `timeoutMs` in all.
 */
export function driveRequests({ url, count, inFlight, requestOf, expectedStatus, onAnswer = () => {}, timeoutMs }) {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  let next = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const sockets = [];
    const fail = (error) => {
      clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`raw client: ${count - done} of ${count} requests unanswered after ${timeoutMs} ms`)), timeoutMs);
    for (let c = 0; c < Math.min(inFlight, count); c++) {
      const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
      sockets.push(socket);
      let pending = Buffer.alloc(0);
      let current = -1;
      let sentAt = 0;
      const send = () => {
        if (next >= count) return;
        current = next++;
        sentAt = performance.now();
        socket.write(requestOf(current, hostname, port));
      };
      socket.on('connect', send);
      socket.on('error', fail);
      socket.on('data', (chunk) => {
        pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
        for (;;) {
          const headEnd = pending.indexOf('\r\n\r\n');
          if (headEnd < 0) return;
          const head = pending.toString('latin1', 0, headEnd);
          const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
          if (length === undefined) return fail(new Error(`${url}: an answer without Content-Length: ${head.slice(0, 200)}`));
          const end = headEnd + 4 + Number(length);
          if (pending.length < end) return;
          const status = Number(head.slice(9, 12));
          const body = pending.subarray(headEnd + 4, end);
          if (status !== expectedStatus) return fail(new Error(`${url}: answered ${status}, not ${expectedStatus}: ${body.toString('latin1').slice(0, 200)}`));
          onAnswer(current, body, performance.now() - sentAt);
          pending = pending.subarray(end);
          if (++done === count) {
            clearTimeout(timer);
            for (const each of sockets) each.destroy();
            resolve(performance.now() - started);
            return;
          }
          send();
        }
      });
    }
  });
}
