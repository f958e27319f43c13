// Bundles the countersign command into packages/cli/dist/bundle/, the file its bin runs. Node resolves,
// reads and links each ESM module on its own: the ~150 modules of the workspace packages cost a
// one-shot command about 0.2 s before it does anything, about as much as Node's own start-up. The Azure
// SDKs are bundled too, as the GitHub actions bundle them (nested installs made them unresolvable from
// here), into a chunk that only commands reaching Azure load. Worker scripts and chunks share one
// directory, so a worker is beside whichever chunk starts it.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_ESM_BUNDLE, refuseWorkersAway } from './node-esm-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'packages/cli/dist/bundle');
const WORKERS = ['verify-worker', 'admission-worker'];

rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    countersign: 'packages/cli/dist/bin.js',
    // An entry of its own so that the chunk a Key Vault command loads is recognisable by name.
    azure: 'packages/azure/dist/index.js',
    'verify-worker': 'packages/steps/dist/steps/verify-worker.js',
    'admission-worker': 'packages/ledger/dist/service/admission-worker.js',
  },
  outdir: out,
  ...NODE_ESM_BUNDLE,
  chunkNames: 'shared-[hash]',
  // Names are kept so that profiles and the rare internal error still read.
  minifyWhitespace: true,
  minifySyntax: true,
});

refuseWorkersAway(out, WORKERS);
