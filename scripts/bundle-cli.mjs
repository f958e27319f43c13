// Bundles the countersign command into packages/cli/dist/bundle/, the file its bin runs. Node resolves,
// reads and links each ESM module on its own: the ~150 modules of the workspace packages cost a
// one-shot command about 0.2 s before it does anything, about as much as Node's own start-up. The Azure
// SDKs are bundled too, as the GitHub actions bundle them (nested installs made them unresolvable from
// here), into a chunk that only commands reaching Azure load. Worker scripts and chunks share one
// directory, so a worker is beside whichever chunk starts it.
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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
  bundle: true,
  splitting: true,
  chunkNames: 'shared-[hash]',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Names are kept so that profiles and the rare internal error still read.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require() for node built-ins, which ESM lacks.
  banner: { js: "import{createRequire as __countersignRequire}from'node:module';const require=__countersignRequire(import.meta.url);" },
});

// A worker that is not beside the code that starts it costs every core but one: refuse such a build.
for (const name of readdirSync(out)) {
  const text = readFileSync(join(out, name), 'utf8');
  for (const worker of WORKERS) {
    if (text.includes(`./${worker}.js`) && !existsSync(join(out, `${worker}.js`))) throw new Error(`${name} starts ${worker}.js, which is not beside it`);
  }
}
