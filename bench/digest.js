// digestFile against `openssl dgst -sha256` (speed and memory), and digestFiles on one core against several.
import { execFile } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import os from 'node:os';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CHUNK_SIZE, MIN_WORKER_BYTES } from '../packages/steps/dist/io/digest-files.js';

export const name = 'digest';

const exec = promisify(execFile);
const MiB = 2 ** 20;
const MB = 1e6;
const RUNS = 3;
const MIN_RATIO = 0.9;
const MAX_RSS = 100 * MB;
const WORK = fileURLToPath(new URL('./.work/', import.meta.url));
const CHILD = fileURLToPath(new URL('./digest-child.js', import.meta.url));

function sizeMiB() {
  const raw = process.env.BENCH_DIGEST_SIZE_MB ?? '1024';
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 4) throw new Error(`BENCH_DIGEST_SIZE_MB must be an integer of at least 4, not "${raw}"`);
  return size;
}

/** Reuses a file of the right size from an earlier run: writing 2 GiB costs more than the measurements. */
async function ensureFile(path, bytes, log) {
  if ((await stat(path).catch(() => undefined))?.size === bytes) return;
  log(`writing ${Math.round(bytes / MiB)} MiB to ${path}`);
  async function* random() {
    for (let left = bytes; left > 0; left -= 8 * MiB) yield randomFillSync(Buffer.allocUnsafe(Math.min(8 * MiB, left)));
  }
  await pipeline(random(), createWriteStream(`${path}.partial`));
  await rename(`${path}.partial`, path);
}

/** Reads a file once so every timed run, openssl's included, reads from the page cache rather than the disk. */
async function warm(path) {
  const handle = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(8 * MiB);
  try {
    while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
  } finally {
    await handle.close();
  }
}

async function openssl(path) {
  const started = performance.now();
  const { stdout } = await exec('openssl', ['dgst', '-sha256', path]);
  return { ms: performance.now() - started, digest: /([0-9a-f]{64})\s*$/.exec(stdout)?.[1] };
}

async function child(...args) {
  const { stdout } = await exec(process.execPath, [CHILD, ...args]);
  return JSON.parse(stdout);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => (ms / 1000).toFixed(3);
const rate = (bytes, ms) => `${Math.round(bytes / MB / (ms / 1000))} MB/s`;
const megabytes = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

function sameDigests(label, runs, expected) {
  for (const run of runs) {
    if (run.digests.join() !== expected.join()) throw new Error(`${label} gave ${run.digests.join()} instead of ${expected.join()}`);
  }
}

export async function run({ log }) {
  const size = sizeMiB();
  const bytes = size * MiB;
  const quarter = Math.floor(bytes / 4);
  const file = `${WORK}random-${size}MiB.bin`;
  const parts = [0, 1, 2, 3].map((i) => `${WORK}random-${size}MiB-quarter${i}.bin`);
  const empty = `${WORK}empty.bin`;
  await mkdir(WORK, { recursive: true });
  for (const [path, length] of [[file, bytes], ...parts.map((part) => [part, quarter])]) {
    await ensureFile(path, length, log);
    await warm(path);
  }
  await ensureFile(empty, 0, log);

  log('openssl dgst against digestFile');
  const ossl = [];
  const node = [];
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) ossl.push(await openssl(file));
    node.push(await child('file', file));
    if (i % 2 === 1) ossl.push(await openssl(file));
  }
  const opensslStartup = [];
  const idle = [];
  for (let i = 0; i < RUNS; i++) {
    opensslStartup.push((await openssl(empty)).ms);
    idle.push((await child('idle')).maxRss);
  }
  sameDigests('digestFile', node, [ossl[0].digest]);

  const concurrencies = [...new Set([1, 2, os.availableParallelism()])];
  log(`digestFiles at concurrency ${concurrencies.join(', ')}`);
  const byConcurrency = new Map(concurrencies.map((c) => [c, []]));
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 === 0 ? concurrencies : [...concurrencies].reverse();
    for (const c of order) byConcurrency.get(c).push(await child('files', String(c), ...parts));
  }
  const reference = byConcurrency.get(1)[0].digests;
  for (const [c, runs] of byConcurrency) sameDigests(`digestFiles at concurrency ${c}`, runs, reference);

  const startup = median(opensslStartup);
  const opensslMs = ossl.map((r) => r.ms - startup);
  const nodeMs = node.map((r) => r.ms);
  const ratio = median(opensslMs) / median(nodeMs);
  const peak = Math.max(...node.map((r) => r.maxRss));
  const baseline = median(idle);
  const oneCore = median(byConcurrency.get(1).map((r) => r.ms));

  const rows = [
    { Run: `openssl dgst -sha256, ${size} MiB`, 'Median (s)': seconds(median(opensslMs)), 'Runs (s)': opensslMs.map(seconds).join(', '), Throughput: rate(bytes, median(opensslMs)), Relative: '1.00', 'CPU (s)': '', 'Peak RSS': '' },
    { Run: `digestFile sha256, ${size} MiB`, 'Median (s)': seconds(median(nodeMs)), 'Runs (s)': nodeMs.map(seconds).join(', '), Throughput: rate(bytes, median(nodeMs)), Relative: `${ratio.toFixed(2)} of openssl`, 'CPU (s)': seconds(median(node.map((r) => r.cpuMs))), 'Peak RSS': megabytes(peak) },
    { Run: 'node loading the same modules, idle', 'Median (s)': '', 'Runs (s)': '', Throughput: '', Relative: '', 'CPU (s)': '', 'Peak RSS': megabytes(baseline) },
    ...[...byConcurrency].map(([c, runs]) => {
      const ms = runs.map((r) => r.ms);
      return {
        Run: `digestFiles 4 × ${Math.round(quarter / MiB)} MiB, concurrency ${c}`,
        'Median (s)': seconds(median(ms)),
        'Runs (s)': ms.map(seconds).join(', '),
        Throughput: rate(quarter * 4, median(ms)),
        Relative: `${(oneCore / median(ms)).toFixed(2)} × concurrency 1`,
        'CPU (s)': seconds(median(runs.map((r) => r.cpuMs))),
        'Peak RSS': megabytes(Math.max(...runs.map((r) => r.maxRss))),
      };
    }),
  ];
  const met = (ok) => (ok ? 'met' : '**NOT MET**');
  return {
    title: 'File digests',
    command: `${size === 1024 ? '' : `BENCH_DIGEST_SIZE_MB=${size} `}node bench/run.js digest`,
    rows,
    ok: ratio >= MIN_RATIO && peak < MAX_RSS,
    notes: [
      `Goal: digestFile at least ${MIN_RATIO} of openssl's throughput: ${ratio.toFixed(2)}, ${met(ratio >= MIN_RATIO)}.`,
      `Goal: peak RSS while hashing under ${megabytes(MAX_RSS)}: ${megabytes(peak)}, ${met(peak < MAX_RSS)}; hashing adds ${megabytes(peak - baseline)} to an idle node process.`,
      `Files of pseudo-random bytes in bench/.work/, read once before timing, so every run reads from the page cache: this measures hashing and read calls, not the disk.`,
      `Median of ${RUNS} runs each, openssl and digestFile alternating. openssl is timed as a subprocess minus its start-up (${startup.toFixed(1)} ms, median on an empty file); it reads 8 KiB at a time. digestFile and digestFiles are timed inside a child node process, start-up excluded, and the peak RSS is that child's process.resourceUsage().maxRSS.`,
      `digestFile reads ${CHUNK_SIZE / MiB} MiB chunks into two reused buffers, the next read running while the current chunk is hashed. digestFiles at concurrency N hashes on this thread and N - 1 worker threads when the files total at least ${MIN_WORKER_BYTES / MiB} MiB, on this thread alone otherwise.`,
      'CPU is user plus system time of all the child\'s threads, median. Reading from the page cache is a copy that costs CPU too, and at concurrency 1 it already runs on a second core beside the hashing, so on a 2-core machine the speed-up of concurrency 2 is bounded by CPU time / 2, not by half the time.',
      'MB = 10^6 bytes, MiB = 2^20 bytes. Set BENCH_DIGEST_SIZE_MB for a quicker run on a smaller file.',
    ],
  };
}
