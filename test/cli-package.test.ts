import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, scratchDir } from './cli-harness.js';

const CLI_PACKAGE = join(REPO_ROOT, 'packages/cli');

function run(command: string, args: string[], cwd: string): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: { ...process.env, NODE_OPTIONS: '' } });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('the countersign command as npm installs it', () => {
  it('is linked by npm ci through a committed bin file, so `npx countersign` works on a fresh clone', () => {
    const help = run('npx', ['--no-install', 'countersign', '--help'], REPO_ROOT);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^countersign: /);
  });

  it('says what to do, in one line, when the build is missing', () => {
    const { dir, cleanup } = scratchDir('unbuilt');
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(join(CLI_PACKAGE, 'bin/countersign.js'), join(dir, 'bin/countersign.js'));
      const unbuilt = run(process.execPath, [join(dir, 'bin/countersign.js'), '--help'], dir);
      expect(unbuilt.status).toBe(70);
      expect(unbuilt.stderr.trim().split('\n')).toEqual(['countersign: not built yet: run `npm run build` in the repository first']);
    } finally {
      cleanup();
    }
  });

  it('packs the bin, the build and the README, and neither sources, tests nor build state', () => {
    const packed = run('npm', ['pack', '--dry-run', '--json'], CLI_PACKAGE);
    expect(packed.status).toBe(0);
    const paths = (JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/countersign.js', 'dist/bundle/countersign.js', 'dist/bundle/verify-worker.js', 'dist/bundle/azure.js', 'dist/bin.js', 'dist/main.js', 'dist/index.js', 'dist/index.d.ts']));
    expect(paths.filter((path) => !/^(bin|dist)\/|^(package\.json|README\.md)$/.test(path))).toEqual([]);
    expect(paths.filter((path) => path.endsWith('.tsbuildinfo') || path.startsWith('src/') || path.startsWith('test/'))).toEqual([]);
  });
});
