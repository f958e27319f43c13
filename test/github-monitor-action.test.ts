import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_20, NODE_24, errorAnnotations, expectFailedStep, runActionBundle } from './action-harness.js';
import { scratchDir } from './cli-harness.js';
import { keygen, release, signAndLog, trustPolicy, type TestSigner } from './monitor-harness.js';
import { startServer, type RunningServer } from './serve-harness.js';

const { dir, cleanup } = scratchDir('github-monitor');
const signer: TestSigner = keygen(dir, 'release', 'Release Signing');
const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  cleanup();
});


describe.each([
  ['Node 20', NODE_20, 'node20'],
  ['Node 24', NODE_24, 'node24'],
])('the monitor action under %s against countersign serve', (_label, node, name) => {
  const cwd = join(dir, name);
  const policy = join(cwd, 'trust.json');
  const lockfile = join(cwd, 'countersign.lock.json');
  let server: RunningServer;
  const monitor = (extra: Record<string, string> = {}) => runActionBundle('monitor', { 'service-url': server.url, 'trust-policy': policy, lockfile, 'state-path': 'state/monitor.json', ...extra }, { cwd, node });

  beforeAll(async () => {
    mkdirSync(cwd);
    server = await startServer(['--data', join(cwd, 'ledger')]);
    servers.push(server);
    trustPolicy(policy, signer.issuer, server.url);
    for (let i = 0; i < 2; i++) release(cwd, signer, server.url, policy, lockfile);
  }, 60_000);

  it('a clean run sets its outputs, writes the summary and the report, and saves the state', async () => {
    const run = await monitor();
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({ scanned: '2', alerts: '0', 'tree-size': '2', 'report-path': 'countersign-monitor-report.json' });
    expect(run.summary).toContain('Scanned 2 entries, 2 of ours, 0 alert(s); tree size 2.');
    expect(errorAnnotations(run)).toEqual([]);
    expect(JSON.parse(readFileSync(join(cwd, 'countersign-monitor-report.json'), 'utf8'))).toEqual({ scanned: 2, known: 2, alerts: [], treeSize: 2 });
    expect(existsSync(join(cwd, 'state/monitor.json'))).toBe(true);
  });

  it('a statement signed with the release key outside a release fails the step with an ::error naming that entry', async () => {
    const rogue = signAndLog(cwd, signer, server.url);
    const run = await monitor();
    expectFailedStep(run, 'STEP_MONITOR_ALERT');
    expect(run.outputs).toMatchObject({ scanned: '1', alerts: '1', 'tree-size': '3' });
    const alerts = errorAnnotations(run).slice(0, -1);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.message).toMatch(new RegExp(`^unexpected entry ${rogue.entryId}: `));
    expect(run.summary).toContain(`| ${rogue.entryId} | ${signer.issuer} |`);
    expect(run.summary).toContain(rogue.digest);
  });

  it('the next run with the saved state reports nothing new', async () => {
    const run = await monitor();
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ scanned: '0', alerts: '0', 'tree-size': '3' });
    expect(errorAnnotations(run)).toEqual([]);
  });

  it('start-at-end on a first run records the end of the log and passes, though the log holds the rogue entry', async () => {
    const run = await monitor({ 'state-path': 'state/from-now.json', 'start-at-end': 'true' });
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ scanned: '0', alerts: '0', 'tree-size': '3' });
    expect(run.summary).toContain('First run with start-at-end: 3 earlier entries were not read');
  });

  it.each([
    ['no trust policy', { 'trust-policy': '' }, 'ACTION_INPUT_REQUIRED'],
    ['a trust policy that is not there', { 'trust-policy': 'absent.json' }, 'STEP_INPUT_NOT_FOUND'],
    ['start-at-end yes', { 'start-at-end': 'yes' }, 'ACTION_INPUT_INVALID'],
  ])('bad input, %s, is one ::error line and a failed step', async (_case, inputs, code) => {
    const run = await monitor(inputs);
    expectFailedStep(run, code);
    expect(errorAnnotations(run)).toHaveLength(1);
  });
});
