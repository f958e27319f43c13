import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { outputVariableName } from '../src/output-names.js';
import { PACKAGE_DIR, TASK_FOLDERS, taskJson } from './task-folders.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const entries = Object.entries(TASK_FOLDERS);

/** The output names each step sets, as pinned in packages/steps' tests. */
const STEP_OUTPUTS: Record<string, string[]> = {
  sign: ['statement-paths', 'digests', 'key-version'],
  log: ['entry-ids', 'transparent-statement-paths'],
  'verify-receipt': ['verified'],
  'rotate-key': ['new-key-version', 'previous-key-version', 'registered-at', 'entry-id', 'statement-path'],
  monitor: ['scanned', 'alerts', 'tree-size'],
};

function entrySource(entry: string): string {
  return readFileSync(join(PACKAGE_DIR, 'src', 'tasks', `${entry}.ts`), 'utf8');
}

/** The inputs an entry reads: every read goes through the helpers of src/inputs.ts with the name written out. */
function inputsRead(entry: string): { all: Set<string>; required: Set<string> } {
  const reads = [...entrySource(entry).matchAll(/\b(text|required|flag|lines|choice|positiveNumber|files)\(\s*'(\w+)'/g)];
  return { all: new Set(reads.map((match) => match[2] as string)), required: new Set(reads.filter((match) => match[1] === 'required').map((match) => match[2] as string)) };
}

describe('task.json', () => {
  it('the bundle script and these tests name the same task folders', () => {
    const script = readFileSync(join(PACKAGE_DIR, 'scripts', 'bundle-tasks.mjs'), 'utf8');
    for (const [entry, folder] of entries) expect(script).toContain(`${entry.includes('-') ? `'${entry}'` : entry}: '${folder}'`);
  });

  it.each(entries)('%s: required fields, a GUID id, a whole-number version, camelCase inputs', (_entry, folder) => {
    const task = taskJson(folder);
    expect(task.id).toMatch(GUID);
    expect(task.name).toBe(folder);
    for (const field of ['friendlyName', 'description', 'author', 'instanceNameFormat'] as const) expect(task[field].length).toBeGreaterThan(0);
    expect(['Utility', 'Deploy']).toContain(task.category);
    for (const part of ['Major', 'Minor', 'Patch'] as const) expect(Number.isInteger(task.version[part]) && task.version[part] >= 0).toBe(true);
    for (const input of task.inputs) {
      expect(input.name).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(typeof input.required).toBe('boolean');
      expect(typeof input.defaultValue).toBe('string');
      expect(input.label.length * input.helpMarkDown.length).toBeGreaterThan(0);
      if (input.type === 'pickList') expect(Object.keys(input.options ?? {})).toContain(input.defaultValue);
      if (input.type === 'boolean') expect(['true', 'false']).toContain(input.defaultValue);
    }
  });

  it('ids and names are unique across tasks', () => {
    const tasks = entries.map(([, folder]) => taskJson(folder));
    expect(new Set(tasks.map((task) => task.id)).size).toBe(tasks.length);
    expect(new Set(tasks.map((task) => task.name)).size).toBe(tasks.length);
  });

  it.each(entries)('%s: Node20_1 and Node24 run the bundled index.js in the task folder', (_entry, folder) => {
    expect(taskJson(folder).execution).toEqual({ Node20_1: { target: 'index.js', argumentFormat: '' }, Node24: { target: 'index.js', argumentFormat: '' } });
  });

  it.each(entries)('%s: declares exactly the inputs its entry reads, and requires those it cannot run without', (entry, folder) => {
    const task = taskJson(folder);
    const { all, required } = inputsRead(entry);
    expect(new Set(task.inputs.map((input) => input.name))).toEqual(all);
    for (const name of required) expect(task.inputs.find((input) => input.name === name)?.required).toBe(true);
  });

  it.each(entries)('%s: declares the output variables its step sets', (entry, folder) => {
    expect(taskJson(folder).outputVariables.map((variable) => variable.name)).toEqual(STEP_OUTPUTS[entry]!.map(outputVariableName));
  });

  it.each(entries)('%s: the entry is thin (under 60 lines)', (entry) => {
    expect(entrySource(entry).trimEnd().split('\n').length).toBeLessThan(60);
  });

  describe('vss-extension.json', () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'vss-extension.json'), 'utf8')) as {
      manifestVersion: number;
      id: string;
      publisher: string;
      version: string;
      name: string;
      categories: string[];
      targets: Array<{ id: string }>;
      files: Array<{ path: string; addressable?: boolean }>;
      contributions: Array<{ id: string; type: string; targets: string[]; properties: { name: string } }>;
    };
    const folders = entries.map(([, folder]) => `tasks/${folder}`).sort();

    it('is a version 1 manifest for Azure Pipelines, with a Marketplace id, publisher and three-part version', () => {
      expect(manifest.manifestVersion).toBe(1);
      expect(manifest.id).toMatch(/^[A-Za-z0-9][A-Za-z0-9-]*$/);
      expect(manifest.publisher).toMatch(/^[A-Za-z0-9][A-Za-z0-9-]*$/);
      expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(manifest.name.length).toBeGreaterThan(0);
      expect(manifest.categories).toEqual(['Azure Pipelines']);
      expect(manifest.targets).toEqual([{ id: 'Microsoft.VisualStudio.Services' }]);
    });

    it('packs every task folder, each holding its task.json, and nothing else', () => {
      expect(manifest.files.map((file) => file.path).sort()).toEqual(folders);
      for (const { path } of manifest.files) expect(existsSync(join(PACKAGE_DIR, path, 'task.json'))).toBe(true);
    });

    it('contributes each task folder once, under a unique id, as a pipeline task', () => {
      expect(manifest.contributions.map((contribution) => contribution.properties.name).sort()).toEqual(folders);
      expect(new Set(manifest.contributions.map((contribution) => contribution.id)).size).toBe(manifest.contributions.length);
      for (const contribution of manifest.contributions) {
        expect(contribution.id).toMatch(/^[A-Za-z0-9][A-Za-z0-9-]*$/);
        expect(contribution.type).toBe('ms.vss-distributed-task.task');
        expect(contribution.targets).toEqual(['ms.vss-distributed-task.tasks']);
      }
    });

    it.each(entries)('%s: the task\'s version is the extension\'s, so one release ships one version of every task', (_entry, folder) => {
      const { Major, Minor, Patch } = taskJson(folder).version;
      expect(`${Major}.${Minor}.${Patch}`).toBe(manifest.version);
    });
  });
});
