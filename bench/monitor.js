// The monitor over loopback HTTP: `countersign monitor --json` scanning a ledger of 100,000 registered
// statements served by `countersign serve`, against bare GET /entries/{id}/statement requests for the
// same ids, with the same concurrency, on the same server in the same run; then a run with the saved
// state and nothing new, against `countersign --version`.
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LocalSigner, SHA256, createSignedStatement, issueDevChain, statementEntry } from '../packages/core/dist/index.js';
import { TransparencyLedger } from '../packages/ledger/dist/index.js';
import { DEFAULT_MONITOR_CONCURRENCY } from '../packages/steps/dist/index.js';
import { startListeningChild } from './listening-child.js';
import { driveRequests } from './raw-http-client.js';

export const name = 'monitor';

const CLI = fileURLToPath(new URL('../packages/cli/dist/bundle/countersign.js', import.meta.url));
const ENTRIES = Number(process.env.BENCH_MONITOR_ENTRIES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_MONITOR_ROUNDS ?? 2);
/** Bumped whenever the ledger built here changes shape, so a cached one from before is rebuilt. */
const LEDGER_VERSION = 'v1';
const CACHE = fileURLToPath(new URL(`./.work/monitor-ledger-${LEDGER_VERSION}-${ENTRIES}/`, import.meta.url));
const SERVICE_ISSUER = 'ledger.monitor-bench.example';
/** Statements of the watched release keys that no release made: the alerts every scan must raise. */
const UNEXPECTED = 12;
/** Runs with nothing new (each followed by a --version run) per round: each takes about a second, so a few more steady their median. */
const QUICK_RUNS = 3;
const REGISTRATIONS_IN_FLIGHT = 1_024;
const REQUEST_TIMEOUT_MS = 30_000;
/** The headers the SCRAPI client sends with each GET besides Host, so the server parses the same requests from both clients. */
const MONITOR_REQUEST_HEADERS = 'Accept: application/scitt-receipt+cose, application/cbor, application/cose, application/json\r\nConnection: keep-alive\r\n';
const GOALS = { scanToBare: 0.5, nothingNewMs: 1_000 };

const execFileAsync = promisify(execFile);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const met = (ok) => (ok ? 'met' : '**NOT MET**');
const perSecond = (count, ms) => Math.round((count * 1000) / ms);
const hex = (bytes) => Buffer.from(bytes).toString('hex');

/** CPU seconds a process has used, all its threads (Linux /proc); undefined elsewhere. */
function processCpuSeconds(pid) {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return undefined;
  const fields = readFileSync(path, 'latin1').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs `task` over `items` with at most `limit` pending at once. */
async function pool(items, limit, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/**
 * Who signs the ledger's statements: two release keys the trust policy names (watched) and one
 * outsider nobody watches. Statement i is signed by the outsider when i % 10 === 9, else by release
 * key i % 2; the first UNEXPECTED statements of release key 0 registered past the middle of the log
 * are left out of the known list.
 */
function signers() {
  const now = Date.now();
  return ['Release Key A', 'Release Key B', 'Someone Else'].map((cn) => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // Ten years: the cached ledger outlives many runs.
    const { chain, did } = issueDevChain({ subject: [{ type: 'CN', value: cn }], publicKey: createPublicKey(privateKey), notBefore: new Date(now - 3600_000), notAfter: new Date(now + 3650 * 24 * 3600_000) });
    return { signer: LocalSigner.from(privateKey), chain, did };
  });
}

const signerOf = (i) => (i % 10 === 9 ? 2 : i % 2);

/** Builds the ledger in this process (sign, register REGISTRATIONS_IN_FLIGHT at a time), with the trust issuers and the known list. */
async function buildLedger(log) {
  await rm(CACHE, { recursive: true, force: true });
  await mkdir(CACHE, { recursive: true });
  const parties = signers();
  const serviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  await writeFile(join(CACHE, 'service-key.pem'), serviceKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const ledger = await TransparencyLedger.open({ dir: join(CACHE, 'ledger'), serviceKey: LocalSigner.from(serviceKey), issuer: SERVICE_ISSUER });
  const known = [];
  let unexpected = 0;
  const started = performance.now();
  const issuedAt = Math.floor(Date.now() / 1000);
  try {
    // Signed and registered a slice at a time: only one slice's statements are held in memory.
    const SLICE = 10_000;
    for (let first = 0; first < ENTRIES; first += SLICE) {
      const statements = [];
      for (let i = first; i < Math.min(ENTRIES, first + SLICE); i++) {
        const party = parties[signerOf(i)];
        const digest = new Uint8Array(createHash('sha256').update(`monitor bench artifact ${i}`).digest());
        statements.push(await createSignedStatement({ hashAlgorithm: SHA256, digest, issuer: party.did, subject: `artifact-${i}.tgz`, issuedAt, preimageContentType: 'application/gzip', x5chain: party.chain }, party.signer));
      }
      const indices = new Array(statements.length);
      await pool(
        statements.map((statement, i) => i),
        REGISTRATIONS_IN_FLIGHT,
        async (i) => (indices[i] = (await ledger.register(statements[i])).index),
      );
      statements.forEach((statement, i) => {
        const signer = signerOf(first + i);
        if (signer === 2) return;
        if (signer === 0 && indices[i] >= ENTRIES / 2 && unexpected < UNEXPECTED) unexpected++;
        else known.push(hex(statementEntry(statement)));
      });
      log(`registered ${Math.min(ENTRIES, first + SLICE)} of ${ENTRIES} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await ledger.close();
  }
  await writeFile(join(CACHE, 'known.txt'), `# statements of our releases\n${known.join('\n')}\n`);
  const meta = { version: LEDGER_VERSION, entries: ENTRIES, issuers: parties.map((party) => party.did), known: known.length, unexpected, buildSeconds: (performance.now() - started) / 1000 };
  // Written last: its presence means the cache is whole.
  await writeFile(join(CACHE, 'meta.json'), JSON.stringify(meta));
  return meta;
}

async function cachedLedger(log) {
  try {
    const meta = JSON.parse(await readFile(join(CACHE, 'meta.json'), 'utf8'));
    if (meta.version === LEDGER_VERSION && meta.entries === ENTRIES) {
      log(`reusing the ledger of ${ENTRIES} entries in ${CACHE}`);
      return meta;
    }
  } catch {
    // no whole cache yet
  }
  log(`building a ledger of ${ENTRIES} entries in ${CACHE} (once; later runs reuse it)`);
  return buildLedger(log);
}

/**
 * Runs the CLI and resolves with its stdout, wall time and CPU seconds (sampled from /proc every
 * 100 ms while it runs, so a long run's figure misses at most its last 100 ms); rejects unless it
 * exits with one of `expectedCodes`.
 */
async function countersign(args, expectedCodes = [0]) {
  const started = performance.now();
  const running = execFileAsync(process.execPath, [CLI, ...args], { maxBuffer: 256 << 20, env: { ...process.env, NODE_OPTIONS: '' } });
  let cpuSeconds;
  const sampler = setInterval(() => (cpuSeconds = processCpuSeconds(running.child.pid) ?? cpuSeconds), 100);
  let stdout;
  let code = 0;
  try {
    ({ stdout } = await running);
  } catch (error) {
    if (typeof error.code !== 'number') throw error;
    ({ stdout, code } = error);
    if (!expectedCodes.includes(code)) throw new Error(`countersign ${args.slice(0, 3).join(' ')} ... failed (${code}): ${String(error.stderr).slice(0, 2000)}`);
  } finally {
    clearInterval(sampler);
  }
  if (!expectedCodes.includes(code)) throw new Error(`countersign ${args.slice(0, 3).join(' ')} ... exited ${code}, not ${expectedCodes.join(' or ')}`);
  return { stdout, ms: performance.now() - started, cpuSeconds };
}

/**
 * GETs URL/entries/{id}/statement for every id with `inFlight` requests at a time: a minimal client
 * (one prebuilt request per socket at a time, the response read by Content-Length), so the server,
 * not the client, sets the rate. Fresh keep-alive sockets each call: reusing sockets left idle past
 * the server's keep-alive timeout (5 s) would meet ECONNRESET.
 */
async function bareGets(url, ids, inFlight) {
  let bytes = 0;
  const ms = await driveRequests({
    url,
    count: ids.length,
    inFlight,
    requestOf: (index, hostname, port) => `GET /entries/${ids[index]}/statement HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${MONITOR_REQUEST_HEADERS}\r\n`,
    expectedStatus: 200,
    onAnswer: (_index, body) => {
      bytes += body.length;
    },
    timeoutMs: REQUEST_TIMEOUT_MS * 10,
  });
  return { ms, bytes };
}

/** Times `task` and adds the server's CPU per entry and this process's, in microseconds. */
async function measured(server, task) {
  const before = processCpuSeconds(server.pid);
  const own = process.cpuUsage();
  const result = await task();
  const after = processCpuSeconds(server.pid);
  const used = process.cpuUsage(own);
  return { ...result, serverMicros: before === undefined ? undefined : ((after - before) * 1e6) / ENTRIES, benchMicros: (used.user + used.system) / ENTRIES };
}

export async function run({ log }) {
  const meta = await cachedLedger(log);
  const work = await mkdtemp(join(tmpdir(), 'countersign-bench-monitor-'));
  const server = await startListeningChild([CLI, 'serve', '--data', join(CACHE, 'ledger'), '--key', join(CACHE, 'service-key.pem'), '--issuer', SERVICE_ISSUER, '--host', '127.0.0.1', '--port', '0']);
  const url = server.firstLine.slice('listening on '.length).trim().split(/\s/)[0];
  const runs = { bare: [], scan: [], nothingNew: [], version: [] };
  try {
    const policy = join(work, 'trust.json');
    await countersign(['trust', 'init', '--out', policy]);
    for (const issuer of meta.issuers.slice(0, 2)) await countersign(['trust', 'add-issuer', '--policy', policy, '--iss', issuer]);
    await countersign(['trust', 'add-service', '--policy', policy, '--url', url]);
    const ids = Array.from({ length: ENTRIES }, (_, i) => String(i));
    const known = join(CACHE, 'known.txt');

    log(`warm-up: ${Math.min(ENTRIES, 5_000)} bare GETs`);
    await bareGets(url, ids.slice(0, 5_000), DEFAULT_MONITOR_CONCURRENCY);
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}/${ROUNDS}: ${ENTRIES} bare GETs, ${DEFAULT_MONITOR_CONCURRENCY} in flight`);
      runs.bare.push(await measured(server, () => bareGets(url, ids, DEFAULT_MONITOR_CONCURRENCY)));
      log(`round ${round}/${ROUNDS}: countersign monitor from an empty state`);
      const state = join(work, `state-${round}.json`);
      const monitorArgs = ['monitor', '--service', url, '--trust', policy, '--known', known, '--state', state, '--json'];
      const scan = await measured(server, () => countersign(monitorArgs, [1]));
      const result = JSON.parse(scan.stdout);
      const expectedKnown = meta.known;
      if (result.scanned !== ENTRIES || result.known !== expectedKnown || result.alerts.length !== meta.unexpected || result.alerts.some((alert) => alert.kind !== 'unexpected') || result.treeSize !== ENTRIES) {
        throw new Error(`monitor scanned ${result.scanned} (want ${ENTRIES}), knew ${result.known} (want ${expectedKnown}), raised ${result.alerts.length} alerts (want ${meta.unexpected} unexpected): ${JSON.stringify(result.alerts.slice(0, 3))}`);
      }
      runs.scan.push(scan);
      log(`round ${round}/${ROUNDS}: countersign monitor again, nothing new, ${QUICK_RUNS} times, and countersign --version`);
      for (let quick = 0; quick < QUICK_RUNS; quick++) {
        const again = await countersign(monitorArgs);
        const nothing = JSON.parse(again.stdout);
        if (nothing.scanned !== 0 || nothing.alerts.length !== 0) throw new Error(`the run with nothing new scanned ${nothing.scanned} and raised ${nothing.alerts.length} alerts`);
        runs.nothingNew.push(again.ms);
        runs.version.push((await countersign(['--version'])).ms);
      }
    }
  } catch (error) {
    let alive = true;
    try {
      process.kill(server.pid, 0);
    } catch {
      alive = false;
    }
    throw new Error(`${error.message} (countersign serve ${alive ? 'still running' : 'had exited'})`, { cause: error });
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }

  const bareMs = median(runs.bare.map((each) => each.ms));
  const scanMs = median(runs.scan.map((each) => each.ms));
  const versionMs = median(runs.version);
  const nothingNewMs = median(runs.nothingNew);
  const scanWorkMs = scanMs - versionMs;
  const ratio = bareMs / scanMs;
  const workRatio = bareMs / scanWorkMs;
  const monitorCpu = runs.scan.map((each) => each.cpuSeconds).filter((value) => value !== undefined);
  const cpu = (list) => {
    const values = list.map((each) => each.serverMicros).filter((value) => value !== undefined);
    return values.length ? `${Math.round(median(values))} µs` : '';
  };
  const row = (measurement, ms, { entries = ENTRIES, ratioValue, goal, serverCpu = '', clientCpu = '' } = {}) => ({
    measurement,
    seconds: (ms / 1000).toFixed(2),
    'entries/s': entries ? perSecond(entries, ms) : '',
    'ratio to bare': ratioValue === undefined ? '' : ratioValue.toFixed(2),
    'server CPU per entry': serverCpu,
    'client CPU per entry': clientCpu,
    goal: goal ?? '',
  });
  const ok = ratio >= GOALS.scanToBare && nothingNewMs < GOALS.nothingNewMs;
  return {
    title: `countersign monitor over ${ENTRIES.toLocaleString('en-US')} entries (countersign serve on 127.0.0.1)`,
    command: 'npm run bench (node bench/run.js monitor for this section alone)',
    rows: [
      row(`bare GET /entries/{id}/statement × ${ENTRIES}, ${DEFAULT_MONITOR_CONCURRENCY} in flight, keep-alive`, bareMs, { ratioValue: 1, serverCpu: cpu(runs.bare), clientCpu: `${Math.round(median(runs.bare.map((each) => each.benchMicros)))} µs` }),
      row('countersign monitor --json from an empty state (whole process)', scanMs, { ratioValue: ratio, goal: `>= ${GOALS.scanToBare}: ${met(ratio >= GOALS.scanToBare)}`, serverCpu: cpu(runs.scan), clientCpu: monitorCpu.length ? `${Math.round((median(monitorCpu) * 1e6) / ENTRIES)} µs` : '' }),
      row('countersign monitor, less countersign --version start-up', scanWorkMs, { ratioValue: workRatio }),
      row('countersign monitor again, saved state, nothing new', nothingNewMs, { entries: 0, goal: `< ${GOALS.nothingNewMs / 1000} s: ${met(nothingNewMs < GOALS.nothingNewMs)}` }),
      row('countersign --version (process start-up)', versionMs, { entries: 0 }),
    ],
    notes: [
      `Goals: the scan at least ${GOALS.scanToBare} of the bare rate (${ratio.toFixed(2)}, ${met(ratio >= GOALS.scanToBare)}); a run with nothing new under ${GOALS.nothingNewMs / 1000} s (${(nothingNewMs / 1000).toFixed(2)} s, ${met(nothingNewMs < GOALS.nothingNewMs)}).`,
      `The ledger: ${ENTRIES} statements (ES256, did:x509 dev chains) registered in process with TransparencyLedger (${REGISTRATIONS_IN_FLIGHT} in flight, so batches of up to 1,024 share a tree head), then served by \`countersign serve\` in a child process; built once and cached under bench/.work/. Two release keys the trust policy names sign 90% of the entries (watched), an issuer nobody watches the rest. The known list (--known) holds ${meta.known} of the watched statements; the other ${meta.unexpected} are the alerts each scan must raise (it exits 1), and the bench checks the counts.`,
      `The monitor runs as \`countersign monitor --service URL --trust trust.json --known known.txt --state FILE --json\` in a subprocess: it lists GET /entries/txIds pages, fetches each entry's statement ${DEFAULT_MONITOR_CONCURRENCY} at a time (DEFAULT_MONITOR_CONCURRENCY) and verifies every receipt (one signature check per tree head, inclusion proof per entry) and the tree head's signature. Its rate is ${ENTRIES} / wall time; the second row subtracts the median \`countersign --version\` time measured in the same run.`,
      `The bare client writes one prebuilt GET per keep-alive socket at a time (${DEFAULT_MONITOR_CONCURRENCY} sockets, opened fresh each round: the server closes idle ones after 5 s) and reads each response by Content-Length; it sends the headers the SCRAPI client sends (Host, Accept, Connection: keep-alive), so it costs the server the same requests, and far less client CPU than a node:http client, so it sets the server's rate. Medians of ${ROUNDS} rounds (bare, scan, then ${QUICK_RUNS} runs with nothing new, each followed by --version) after a warm-up of 5,000 bare GETs. CPU per entry from /proc: the server's over each round, the bare client's (this process), the monitor process's sampled every 100 ms (start-up included).`,
      'The bare rate is set by the server (its CPU per entry times the rate is about one core); the scan needs the server and the monitor process each about one core at once, so on a machine with fewer than two idle cores they share them and the ratio falls below what the CPU columns allow: the bare row\'s server CPU per entry over the larger of the scan row\'s two CPU figures.',
      `The run with nothing new reads the state the scan saved: one signed tree head, its consistency with the saved one (same size), and no listing.`,
    ],
    ok,
  };
}
