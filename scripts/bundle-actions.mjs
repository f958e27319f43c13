// Bundles each GitHub action into dist/<step>/index.js (GitHub runs them as committed, with no install).
// Code that several actions share, and the Azure SDKs that only a Key Vault key or an Azure sign-in
// reaches (dynamic imports), go to dist/chunks/, so that an action starts by loading its own path only.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_ESM_BUNDLE, refuseWorkersAway } from './node-esm-bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
export const STEPS = ['sign', 'log', 'verify-receipt', 'rotate-key', 'gate', 'monitor'];

const entryPoints = Object.fromEntries(STEPS.map((step) => [`${step}/index`, `packages/github/src/entries/${step}.ts`]));
// The verify step starts its worker from the file beside its own module, and in a bundle that module is a chunk.
entryPoints['chunks/verify-worker'] = 'packages/steps/dist/steps/verify-worker.js';

// @actions/core imports its OIDC client, and with it an HTTP stack (undici, about 440 kB), at start-up;
// countersign asks the runner for ID tokens itself, so the client is loaded on first use instead.
const oidcClient = join(root, 'node_modules/@actions/core/lib/oidc-utils.js');
const deferOidcClient = {
  name: 'defer-actions-core-oidc-client',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\/oidc-utils\.js$/ }, (args) =>
      args.importer.replace(/\\/g, '/').endsWith('@actions/core/lib/core.js') ? { path: 'oidc-client', namespace: 'deferred' } : undefined,
    );
    pluginBuild.onLoad({ filter: /^oidc-client$/, namespace: 'deferred' }, () => ({
      resolveDir: root,
      contents: `export class OidcClient { static async getIDToken(audience) { return (await import(${JSON.stringify(oidcClient)})).OidcClient.getIDToken(audience); } }`,
    }));
  },
};

rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints,
  outdir: out,
  ...NODE_ESM_BUNDLE,
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  legalComments: 'eof',
  plugins: [deferOidcClient],
});

refuseWorkersAway(join(out, 'chunks'), ['verify-worker']);
for (const step of STEPS) {
  if (readFileSync(join(out, step, 'index.js'), 'utf8').includes('verify-worker.js')) throw new Error(`dist/${step}/index.js starts verify-worker.js from outside dist/chunks`);
}
