// Bundles each task's entry into its task folder (tasks/<Task>/index.js), the file its task.json's
// execution targets run: the agent runs a task from its folder alone, with no node_modules beside it.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Task folder, by entry in src/tasks. */
export const TASKS = {
  sign: 'CountersignSign',
  log: 'CountersignLog',
  'verify-receipt': 'CountersignVerifyReceipt',
  'rotate-key': 'CountersignRotateKey',
};

// azure-pipelines-task-lib (and some Azure SDK code) is CommonJS: in an ES module bundle it still
// needs require, __filename and __dirname. The last two go by other names (see define below)
// because bundled ES modules may declare their own __dirname.
const BANNER = [
  "import { createRequire as __countersignRequire } from 'node:module';",
  "import { fileURLToPath as __countersignPath } from 'node:url';",
  "import { dirname as __countersignDir } from 'node:path';",
  'const require = __countersignRequire(import.meta.url);',
  'const __countersignFilename = __countersignPath(import.meta.url);',
  'const __countersignDirname = __countersignDir(__countersignFilename);',
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: { js: BANNER },
  // Only free references are replaced: a module's own __dirname stays its own.
  define: { __filename: '__countersignFilename', __dirname: '__countersignDirname' },
  legalComments: 'none',
  logLevel: 'warning',
};
const VERIFY_WORKER = join(PACKAGE, '..', 'steps', 'dist', 'steps', 'verify-worker.js');

await Promise.all(
  Object.entries(TASKS).map(async ([entry, folder]) => {
    const outdir = join(PACKAGE, 'tasks', folder);
    await build({ ...common, entryPoints: [join(PACKAGE, 'src', 'tasks', `${entry}.ts`)], outfile: join(outdir, 'index.js') });
    // The verify step starts its worker from the file beside its module, here index.js; without it a
    // large batch would verify on one thread only.
    if ((await readFile(join(outdir, 'index.js'), 'utf8')).includes('verify-worker.js')) {
      await build({ ...common, entryPoints: [VERIFY_WORKER], outfile: join(outdir, 'verify-worker.js') });
    }
    // The folder is the package the agent sees: this makes index.js an ES module there.
    await writeFile(join(outdir, 'package.json'), '{ "type": "module" }\n');
  }),
);
