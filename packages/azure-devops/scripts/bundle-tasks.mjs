// Bundles each task's entry into its task folder (tasks/<Task>/index.js), the file its task.json's
// execution targets run: the agent runs a task from its folder alone, with no node_modules beside it.
import { rename, writeFile } from 'node:fs/promises';
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
  monitor: 'CountersignMonitor',
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

/**
 * Each file is written whole under another name, then renamed into place: a task started from the
 * folder while another bundling runs (two test files bundle at once) reads the old file or the new
 * one, never a half-written one.
 */
async function writeWhole(path, contents) {
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, contents);
  await rename(partial, path);
}

async function bundle(entryPoint, outfile) {
  const { outputFiles } = await build({ ...common, entryPoints: [entryPoint], outfile, write: false });
  await Promise.all(outputFiles.map((file) => writeWhole(file.path, file.contents)));
  return outputFiles.find((file) => file.path === outfile).text;
}

await Promise.all(
  Object.entries(TASKS).map(async ([entry, folder]) => {
    const outdir = join(PACKAGE, 'tasks', folder);
    const index = await bundle(join(PACKAGE, 'src', 'tasks', `${entry}.ts`), join(outdir, 'index.js'));
    // The verify step starts its worker from the file beside its module, here index.js; without it a
    // large batch would verify on one thread only.
    if (index.includes('verify-worker.js')) await bundle(VERIFY_WORKER, join(outdir, 'verify-worker.js'));
    // The folder is the package the agent sees: this makes index.js an ES module there.
    await writeWhole(join(outdir, 'package.json'), '{ "type": "module" }\n');
  }),
);
