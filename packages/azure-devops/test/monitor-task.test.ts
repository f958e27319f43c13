import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { scratchDir } from '../../../test/cli-harness.js';
import { keygen, release, signAndLog, trustPolicy } from '../../../test/monitor-harness.js';
import { startServer, type RunningServer } from '../../../test/serve-harness.js';
import { AGENT_NODES, bundleTasks, expectFailed, runTask } from './agent-harness.js';
import { TASK_FOLDERS } from './task-folders.js';

const { dir, cleanup } = scratchDir('azure-devops-monitor');
const signer = keygen(dir, 'release', 'Release Signing');
const servers: RunningServer[] = [];

beforeAll(() => bundleTasks());
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  cleanup();
});

const errorIssues = (run: ReturnType<typeof runTask>) => run.issues.filter((issue) => issue.properties.type === 'error');

describe.each(Object.entries(AGENT_NODES))('CountersignMonitor under %s against countersign serve', (handler, node) => {
  const workDir = join(dir, handler);
  const agent = { workDir, tempDir: join(workDir, 'agent-temp'), node };
  const policy = join(workDir, 'trust.json');
  const lockfile = join(workDir, 'countersign.lock.json');
  let server: RunningServer;
  const monitor = (extra: Record<string, string> = {}) =>
    runTask(TASK_FOLDERS.monitor as string, { serviceUrl: server.url, trustPolicy: policy, lockfile, statePath: 'state/monitor.json', ...extra }, agent);

  beforeAll(async () => {
    mkdirSync(agent.tempDir, { recursive: true });
    server = await startServer(['--data', join(workDir, 'ledger')]);
    servers.push(server);
    trustPolicy(policy, signer.issuer, server.url);
    for (let i = 0; i < 2; i++) release(workDir, signer, server.url, policy, lockfile);
  }, 60_000);

  it('a clean run succeeds, sets its output variables and attaches the summary', () => {
    const run = monitor();
    expect(run.complete?.result).toBe('Succeeded');
    expect(run.outputs).toEqual({ scanned: '2', alerts: '0', treeSize: '2' });
    expect(run.summaries).toHaveLength(1);
    expect(errorIssues(run)).toEqual([]);
  });

  it('a statement signed with the release key outside a release fails the task, with an error naming that entry', () => {
    const rogue = signAndLog(workDir, signer, server.url);
    const run = monitor();
    expectFailed(run, 'STEP_MONITOR_ALERT');
    expect(run.stdout).toContain('##vso[task.complete result=Failed;]');
    expect(run.outputs).toMatchObject({ scanned: '1', alerts: '1', treeSize: '3' });
    expect(errorIssues(run).map((issue) => issue.message)).toEqual([expect.stringMatching(new RegExp(`^unexpected entry ${rogue.entryId}: `))]);
  });

  it('the next run with the saved state reports nothing new', () => {
    const run = monitor();
    expect(run.complete?.result).toBe('Succeeded');
    expect(run.outputs).toMatchObject({ scanned: '0', alerts: '0' });
  });

  it('startAtEnd on a first run records the end of the log and succeeds', () => {
    const run = monitor({ statePath: 'state/from-now.json', startAtEnd: 'true' });
    expect(run.complete?.result).toBe('Succeeded');
    expect(run.outputs).toMatchObject({ scanned: '0', alerts: '0', treeSize: '3' });
  });

  it.each([
    ['no trust policy', { trustPolicy: '' }, 'TASK_INPUT_REQUIRED'],
    ['a trust policy that is not there', { trustPolicy: 'absent.json' }, 'STEP_INPUT_NOT_FOUND'],
  ])('bad input, %s, is one line and a failed task', (_case, inputs, code) => {
    expectFailed(monitor(inputs), code);
  });
});
