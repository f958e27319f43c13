// One measurement for bench/digest.js, in its own process so that its peak RSS is its own.
// Usage: node bench/digest-child.js idle | file PATH | files CONCURRENCY PATH...
// Prints one JSON line: { ms, cpuMs (all threads), maxRss (bytes), digests (hex) }.
// Every mode loads the same modules, so `idle` is the baseline to subtract.
import { SHA256 } from '../packages/core/dist/index.js';
import { digestFile, digestFiles } from '../packages/steps/dist/io/digest-files.js';

const [mode, ...args] = process.argv.slice(2);
const hex = (bytes) => Buffer.from(bytes).toString('hex');

const started = performance.now();
const cpu = process.cpuUsage();
let digests = [];
if (mode === 'file') {
  digests = [hex(await digestFile(args[0], SHA256))];
} else if (mode === 'files') {
  const results = await digestFiles(args.slice(1), SHA256, { concurrency: Number(args[0]) });
  digests = results.map((result) => hex(result.digest));
} else if (mode !== 'idle') {
  throw new Error(`unknown mode ${mode}`);
}
const ms = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
console.log(JSON.stringify({ ms, cpuMs: (user + system) / 1000, maxRss: process.resourceUsage().maxRSS * 1024, digests }));
