import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Task folder by entry in src/tasks, as scripts/bundle-tasks.mjs bundles them. */
export const TASK_FOLDERS: Record<string, string> = {
  sign: 'CountersignSign',
  log: 'CountersignLog',
  'verify-receipt': 'CountersignVerifyReceipt',
  'rotate-key': 'CountersignRotateKey',
  monitor: 'CountersignMonitor',
};

export interface TaskJson {
  id: string;
  name: string;
  friendlyName: string;
  description: string;
  category: string;
  author: string;
  version: { Major: number; Minor: number; Patch: number };
  instanceNameFormat: string;
  inputs: Array<{ name: string; type: string; label: string; defaultValue: string; required: boolean; helpMarkDown: string; options?: Record<string, string> }>;
  outputVariables: Array<{ name: string; description: string }>;
  execution: Record<string, { target: string }>;
}

export function taskJson(folder: string): TaskJson {
  return JSON.parse(readFileSync(join(PACKAGE_DIR, 'tasks', folder, 'task.json'), 'utf8')) as TaskJson;
}
