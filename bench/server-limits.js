// The HTTP server's limits: resident memory of `countersign serve` while N clients each hold an
// unfinished 1 MiB upload, with the default limits in force, against the same server idle; and, for
// comparison, the same attack on a server whose limits are lifted as far as the flags go.
import { startListeningChild } from './listening-child.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVER_LIMITS } from '../packages/ledger/dist/index.js';

export const name = 'server-limits';

const CLI = fileURLToPath(new URL('../packages/cli/dist/bundle/countersign.js', import.meta.url));
const MiB = 1024 * 1024;
const UPLOADS = 300;
const SAMPLE_MS = 100;
const SAMPLES = 30;
const CONNECT_TIMEOUT_MS = 10_000;
// The body budget, plus room for what each connection costs besides its body (socket, parser, a small stream buffer).
const GOAL_GROWTH = DEFAULT_SERVER_LIMITS.maxPendingBodyBytes + 32 * MiB;
const UNLIMITED = ['--max-connections', '1000000', '--max-pending-bytes', String(2 ** 40), '--headers-timeout', '600', '--request-timeout', '600', '--body-timeout', '600'];

const mib = (bytes) => `${(bytes / MiB).toFixed(0)} MiB`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function residentBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  return Number(match[1]) * 1024;
}

/** Starts `countersign serve` and resolves with its URL (first stdout line), its pid and a stop function. */
async function serve(args) {
  const { firstLine, pid, stop } = await startListeningChild([CLI, 'serve', '--port', '0', ...args]);
  return { url: new URL(firstLine.slice('listening on '.length).split(' ')[0]), pid, stop };
}

/** Opens a connection, sends the headers of a 1 MiB registration and all but `held` bytes of its body, and never finishes it. */
function halfSentUpload(url, body) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    const upload = { socket, status: undefined, closed: false };
    let head = '';
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy());
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      upload.status ??= Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]) || undefined;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      upload.closed = true;
      resolve(upload);
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.write(`POST /entries HTTP/1.1\r\nHost: bench\r\nContent-Type: application/cose\r\nContent-Length: ${MiB}\r\n\r\n`);
      socket.write(body, () => resolve(upload));
    });
  });
}

/** Peak RSS of `pid` over SAMPLES samples, SAMPLE_MS apart. */
async function peakResident(pid) {
  let peak = 0;
  for (let i = 0; i < SAMPLES; i++) {
    peak = Math.max(peak, await residentBytes(pid));
    await sleep(SAMPLE_MS);
  }
  return peak;
}

async function attack(work, label, extraArgs, log) {
  const server = await serve(['--data', join(work, label), ...extraArgs]);
  try {
    for (const path of ['/jwks', '/.well-known/transparency-configuration', '/jwks']) await (await fetch(new URL(path, server.url))).arrayBuffer();
    await sleep(500);
    const idle = await peakResident(server.pid);
    log(`${label}: idle ${mib(idle)}; ${UPLOADS} half-sent uploads`);
    const body = Buffer.alloc(MiB - 1, 0x43);
    const uploads = await Promise.all(Array.from({ length: UPLOADS }, () => halfSentUpload(server.url, body)));
    const peak = await peakResident(server.pid);
    const counts = { held: 0, 503: 0, dropped: 0, other: 0 };
    for (const upload of uploads) {
      if (upload.status === 503) counts[503]++;
      else if (upload.status !== undefined) counts.other++;
      else if (upload.closed) counts.dropped++;
      else counts.held++;
      upload.socket.destroy();
    }
    return { idle, peak, counts };
  } finally {
    await server.stop();
  }
}

export async function run({ log }) {
  const work = await mkdtemp(join(os.tmpdir(), 'countersign-bench-server-'));
  try {
    const limited = await attack(work, 'limited', [], log);
    const unlimited = await attack(work, 'unlimited', UNLIMITED, log);
    const growth = limited.peak - limited.idle;
    const ok = growth <= GOAL_GROWTH;
    const fate = ({ counts }) => `${counts.held} held, ${counts[503]} answered 503, ${counts.dropped} closed at accept${counts.other ? `, ${counts.other} other` : ''}`;
    const rows = [
      { Measurement: 'countersign serve, default limits, idle', RSS: mib(limited.idle), Growth: '', Uploads: '' },
      { Measurement: `the same under ${UPLOADS} half-sent 1 MiB uploads (peak over ${(SAMPLES * SAMPLE_MS) / 1000} s)`, RSS: mib(limited.peak), Growth: mib(growth), Uploads: fate(limited) },
      { Measurement: 'limits lifted (no connection cap, 1 TiB body budget, 600 s timeouts), idle', RSS: mib(unlimited.idle), Growth: '', Uploads: '' },
      { Measurement: `the same under ${UPLOADS} half-sent 1 MiB uploads`, RSS: mib(unlimited.peak), Growth: mib(unlimited.peak - unlimited.idle), Uploads: fate(unlimited) },
    ];
    return {
      title: 'HTTP server: memory under half-sent uploads',
      command: 'npm run bench (node bench/run.js server-limits for this section alone)',
      rows,
      ok,
      notes: [
        `Goal: with the default limits, ${UPLOADS} clients each holding an unfinished 1 MiB upload raise the server's RSS by at most the body budget (${mib(DEFAULT_SERVER_LIMITS.maxPendingBodyBytes)}) plus ${mib(32 * MiB)} for the connections themselves: ${mib(growth)}, ${ok ? 'met' : '**NOT MET**'}.`,
        `Defaults in force: --max-connections ${DEFAULT_SERVER_LIMITS.maxConnections}, --max-pending-bytes ${DEFAULT_SERVER_LIMITS.maxPendingBodyBytes}, --body-timeout ${DEFAULT_SERVER_LIMITS.bodyTimeoutMs / 1000} s, --request-timeout ${DEFAULT_SERVER_LIMITS.requestTimeoutMs / 1000} s, --headers-timeout ${DEFAULT_SERVER_LIMITS.headersTimeoutMs / 1000} s.`,
        'Each client connects on 127.0.0.1, sends the headers of POST /entries with Content-Length 1048576 and 1048575 bytes of body, and waits. A declared length the budget cannot cover is answered 503 with Retry-After before any of the body is read; connections past the cap are closed as soon as they are accepted; the held ones are answered 408 once the body timeout passes.',
        'RSS is read from /proc/<pid>/status (VmRSS) of the server process, its peak over the sampling window; both servers are fresh child processes with an empty ledger.',
      ],
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
