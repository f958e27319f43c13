import { StepError } from '../errors.js';
import { exists, readTextInput, writeOutput } from '../io/files.js';

export const MONITOR_STATE_VERSION = 1;
/** Entries that could not be read are retried on later runs; past this many the run says so instead of growing the file. */
export const MAX_UNRESOLVED = 10_000;

/** Where the monitor stopped, kept between runs (a CI cache or artifact carries it). */
export interface MonitorState {
  version: typeof MONITOR_STATE_VERSION;
  /** The service this state is about (origin and path). */
  service: string;
  /** The last entry read, and its sequence number: the next run lists what comes after. */
  lastEntryId?: string;
  lastSequenceNumber?: number;
  /** vds 1 services: the last tree head whose signature (and consistency with the one before) was verified. */
  treeHead?: { treeSize: number; rootHash: string };
  /** Entries listed but not yet readable, retried first on the next run. */
  unresolved?: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function malformed(path: string, reason: string): never {
  throw new StepError('STEP_INPUT_UNREADABLE', `${path}: not a monitor state file: ${reason}`, { input: 'state' });
}

/** The state saved at `path`, or a fresh one for `service` when there is none yet. */
export async function readMonitorState(path: string, service: string): Promise<MonitorState> {
  if (!(await exists(path))) return { version: MONITOR_STATE_VERSION, service };
  let value: unknown;
  try {
    value = JSON.parse(await readTextInput(path, 'monitor state'));
  } catch (error) {
    if (error instanceof StepError) throw error;
    malformed(path, 'not JSON');
  }
  if (!isObject(value) || value.version !== MONITOR_STATE_VERSION) malformed(path, `version must be ${MONITOR_STATE_VERSION}`);
  if (typeof value.service !== 'string') malformed(path, 'service must be text');
  if (value.service !== service) throw new StepError('STEP_USAGE', `${path} is the state of ${value.service}, not of ${service}: give each service its own state file`, { input: 'state' });
  const state: MonitorState = { version: MONITOR_STATE_VERSION, service };
  if (value.lastEntryId !== undefined || value.lastSequenceNumber !== undefined) {
    if (typeof value.lastEntryId !== 'string' || !Number.isSafeInteger(value.lastSequenceNumber) || (value.lastSequenceNumber as number) < 0) malformed(path, 'lastEntryId and lastSequenceNumber go together');
    state.lastEntryId = value.lastEntryId;
    state.lastSequenceNumber = value.lastSequenceNumber as number;
  }
  if (value.treeHead !== undefined) {
    const head = value.treeHead;
    if (!isObject(head) || !Number.isSafeInteger(head.treeSize) || (head.treeSize as number) < 1 || typeof head.rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(head.rootHash)) {
      malformed(path, 'treeHead needs a treeSize and a 64-digit hex rootHash');
    }
    state.treeHead = { treeSize: head.treeSize as number, rootHash: head.rootHash };
  }
  if (value.unresolved !== undefined) {
    if (!Array.isArray(value.unresolved) || value.unresolved.length > MAX_UNRESOLVED || !value.unresolved.every((id) => typeof id === 'string')) malformed(path, 'unresolved must be a list of entry ids');
    state.unresolved = value.unresolved as string[];
  }
  return state;
}

export async function writeMonitorState(path: string, state: MonitorState): Promise<void> {
  await writeOutput(path, `${JSON.stringify(state, null, 2)}\n`);
}
