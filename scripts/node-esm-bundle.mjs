// What the countersign command's bundle and the GitHub actions' bundles share (build options and the
// check of their worker threads); the Azure DevOps tasks bundle one file each, with more CommonJS shims.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** esbuild options: ES modules split into chunks, for Node 20 and later. */
export const NODE_ESM_BUNDLE = {
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require() for node built-ins, which ESM lacks.
  banner: { js: "import{createRequire as __countersignRequire}from'node:module';const require=__countersignRequire(import.meta.url);" },
};

/**
 * A worker that is not beside the code that starts it would silently cost every core but one: throws
 * when a file of `dir` starts one of `workers` (by `./NAME.js`) that `dir` does not hold.
 */
export function refuseWorkersAway(dir, workers) {
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), 'utf8');
    for (const worker of workers) {
      if (text.includes(`./${worker}.js`) && !existsSync(join(dir, `${worker}.js`))) throw new Error(`${name} starts ${worker}.js, which is not beside it`);
    }
  }
}
