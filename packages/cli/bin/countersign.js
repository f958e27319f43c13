#!/usr/bin/env node
// npm links a workspace's bin when it installs, before anything is built: this file is committed so
// the link is made on a fresh clone, and it loads the bundled build (made by `npm ci` through `prepare`).
try {
  await import('../dist/bundle/countersign.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/bundle/countersign.js')) throw error;
  process.stderr.write('countersign: not built yet: run `npm run build` in the repository first\n');
  process.exitCode = 70;
}
