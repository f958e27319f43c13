// Start-up of each action bundle against bare `node -e 0`, under Node 20 (this process's node) and
// Node 24 (what GitHub runs node24 actions with). Each bundle is given a pattern that matches
// nothing (the monitor: a trust policy that is absent), so it loads its whole start-up path, fails
// its first input and exits.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const name = 'action-start-up';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODES = [
  ['Node 20', process.execPath],
  ['Node 24', join(ROOT, 'tools/node24/node_modules/.bin/node')],
];
const STEPS = ['sign', 'log', 'verify-receipt', 'rotate-key', 'gate', 'monitor'];
const RUNS = 11;
const MAX_RATIO = 3;

function medianMs(node, args, env, cwd) {
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    spawnSync(node, args, { env, cwd, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

export async function run({ log }) {
  const cwd = mkdtempSync(join(tmpdir(), 'countersign-bench-start-'));
  const env = { PATH: process.env.PATH, 'INPUT_SUBJECT-PATH': 'absent/*.bin', 'INPUT_STATEMENT-PATH': 'absent/*.cose', INPUT_KEY: '', 'INPUT_SERVICE-URL': 'http://127.0.0.1:9', 'INPUT_TRUST-POLICY': 'absent/trust.json' };
  const rows = [];
  try {
    for (const [label, node] of NODES) {
      const bare = medianMs(node, ['-e', '0'], env, cwd);
      log(`${label}: node -e 0 ${bare.toFixed(0)} ms`);
      for (const step of STEPS) {
        const ms = medianMs(node, [join(ROOT, 'dist', step, 'index.js')], env, cwd);
        rows.push({ node: label, bundle: `dist/${step}/index.js`, 'start-up (ms, median)': ms.toFixed(0), 'node -e 0 (ms)': bare.toFixed(0), ratio: (ms / bare).toFixed(2), goal: `< ${MAX_RATIO}` });
      }
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  return {
    title: 'Action bundles: start-up',
    command: 'node bench/run.js action-start-up',
    rows,
    notes: [
      `median of ${RUNS} runs each; a bundle runs until its first input fails (a glob that matches nothing), which loads everything its start-up path imports`,
      'the Azure SDKs and @actions/artifact are dynamic imports in their own chunks (dist/chunks/), loaded only by a Key Vault key, an Azure sign-in or an upload',
      "@actions/core's OIDC client, and the HTTP stack (undici) it imports, is deferred to first use by the bundle script: the start-up path is about 155 kB",
    ],
    ok: rows.every((row) => Number(row.ratio) < MAX_RATIO),
  };
}
