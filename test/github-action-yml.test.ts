import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from './cli-harness.js';

/** The subset of YAML the action files use: top-level keys, and two levels of mappings under them. */
function readActionYml(path: string): { top: Record<string, string>; sections: Record<string, Record<string, Record<string, string>>> } {
  const top: Record<string, string> = {};
  const sections: Record<string, Record<string, Record<string, string>>> = {};
  let section = '';
  let entry = '';
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^( *)([\w-]+):(?: (.*))?$/.exec(line);
    if (!match) continue;
    const [, indent, key, raw] = match as unknown as [string, string, string, string | undefined];
    const value = raw === undefined ? '' : raw.replace(/^'(.*)'$/, '$1').replace(/''/g, "'");
    if (indent.length === 0) {
      section = key;
      top[key] = value;
      sections[key] = {};
    } else if (indent.length === 2) {
      entry = key;
      (sections[section] as Record<string, Record<string, string>>)[key] = { value };
    } else {
      ((sections[section] as Record<string, Record<string, string>>)[entry] as Record<string, string>)[key] = value;
    }
  }
  return { top, sections };
}

/** Every source file an entry reaches inside packages/github (its relative imports, followed). */
function reachedSources(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const [, relative] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) reachedSources(resolve(dirname(file), `${relative}.ts`), seen);
  return seen;
}

const READERS = /\b(?:optional|required|flag|globs|lines|oneOf|positiveNumber)\('([a-z0-9-]+)'/g;
const SET_OUTPUT = /setOutput\('([a-z0-9-]+)'/g;
const stepSource = (name: string) => join(REPO_ROOT, 'packages/steps/src/steps', name);

const ACTIONS = [
  { step: 'sign', path: 'actions/sign/action.yml', steps: ['sign.ts'] },
  { step: 'log', path: 'actions/log/action.yml', steps: ['log.ts'] },
  { step: 'verify-receipt', path: 'actions/verify-receipt/action.yml', steps: ['verify.ts', 'verify-step.ts'] },
  { step: 'rotate-key', path: 'actions/rotate-key/action.yml', steps: ['rotate-key.ts'] },
  { step: 'gate', path: 'action.yml', steps: ['release.ts', 'sign.ts', 'verify.ts'] },
  { step: 'monitor', path: 'actions/monitor/action.yml', steps: ['monitor.ts'] },
];

describe.each(ACTIONS)('$path', ({ step, path, steps }) => {
  const action = readActionYml(join(REPO_ROOT, path));
  const sources = [...reachedSources(join(REPO_ROOT, 'packages/github/src/entries', `${step}.ts`))];

  it('runs its bundle on node24, with a name, description and branding', () => {
    expect(action.sections.runs).toEqual({ using: { value: 'node24' }, main: { value: path === 'action.yml' ? `dist/${step}/index.js` : `../../dist/${step}/index.js` } });
    expect(resolve(REPO_ROOT, dirname(path), action.sections.runs?.main?.value as string)).toBe(join(REPO_ROOT, 'dist', step, 'index.js'));
    expect(action.top.name).toMatch(/^countersign/);
    expect(action.top.description?.length).toBeGreaterThan(20);
    expect(Object.keys(action.sections.branding ?? {}).sort()).toEqual(['color', 'icon']);
  });

  it('lists exactly the inputs its entry reads, each with a description and a default', () => {
    const read = new Set(sources.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(READERS)].map((match) => match[1] as string)));
    expect(Object.keys(action.sections.inputs ?? {}).sort()).toEqual([...read].sort());
    for (const input of Object.values(action.sections.inputs ?? {})) {
      expect(input.description?.length).toBeGreaterThan(10);
      expect(input).toHaveProperty('default');
    }
  });

  it('lists exactly the outputs its step and entry set', () => {
    const set = new Set([...sources, ...steps.map(stepSource)].flatMap((file) => [...readFileSync(file, 'utf8').matchAll(SET_OUTPUT)].map((match) => match[1] as string)));
    expect(Object.keys(action.sections.outputs ?? {}).sort()).toEqual([...set].sort());
  });
});

it('Azure sign-in is documented where an action reaches Azure: azure-client-id and azure-tenant-id together', () => {
  for (const { path } of ACTIONS) {
    const inputs = Object.keys(readActionYml(join(REPO_ROOT, path)).sections.inputs ?? {});
    expect(inputs.includes('azure-client-id')).toBe(inputs.includes('azure-tenant-id'));
  }
});
