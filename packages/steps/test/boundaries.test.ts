import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = join(PACKAGE, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

// Static imports and re-exports (`from '...'`), side-effect imports, dynamic import() and require().
// A specifier has no white space or parentheses, so code quoting the word "from" is not taken for one.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"\s()]+)['"]/g;

function specifiersOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(SPECIFIER)].map((match) => match[1] as string);
}

/** Whatever a specifier is, it is allowed only if it is core, a node: built-in, or a file of this package's own sources. */
function allowed(file: string, specifier: string): boolean {
  if (specifier === '@countersign/core') return true;
  if (specifier.startsWith('node:')) return builtinModules.includes(specifier.slice('node:'.length));
  if (specifier.startsWith('./') || specifier.startsWith('../')) return !relative(SOURCES, resolve(dirname(file), specifier)).startsWith('..');
  return false;
}

describe('@countersign/steps depends on core and node built-ins only', () => {
  const files = sourceFiles(SOURCES);

  it('reads every source file of the package', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it('imports nothing but @countersign/core, node: built-ins and its own files', () => {
    const offending = files.flatMap((file) => specifiersOf(file).filter((specifier) => !allowed(file, specifier)).map((specifier) => `${relative(PACKAGE, file)}: ${specifier}`));
    expect(offending).toEqual([]);
  });

  it('would notice a forbidden import', () => {
    const file = join(SOURCES, 'steps', 'sign.ts');
    expect(['@countersign/ledger', '@azure/identity', '@actions/core', 'azure-pipelines-task-lib', 'fs', '../../../cli/src/main.js'].filter((specifier) => allowed(file, specifier))).toEqual([]);
    expect(specifiersOf(join(SOURCES, 'steps', 'log.ts'))).toContain('@countersign/core');
  });

  it('declares @countersign/core as its only dependency', () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; peerDependencies?: unknown };
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['@countersign/core']);
    expect(manifest.peerDependencies).toBeUndefined();
  });
});
