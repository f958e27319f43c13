import { DEFAULT_MONITOR_STATE, monitorFailure, monitorLog, readPolicyFile, writeOutput } from '@countersign/steps';
import { flag, lines, optional, required } from '../inputs.js';
import { runAction } from '../run.js';
import { scrapiClientFromInputs } from '../scrapi-client.js';

/**
 * actions/monitor: reads what the log registered since the state in state-path, writes the summary
 * and a JSON report, and fails with one ::error per alert (an alert is raised once: the state moves on).
 */
await runAction(async (host) => {
  const serviceUrl = required('service-url');
  const policy = await readPolicyFile(required('trust-policy'));
  const startAtEnd = flag('start-at-end');
  const client = await scrapiClientFromInputs(host, serviceUrl, policy);
  try {
    const result = await monitorLog(
      {
        log: client,
        serviceUrl,
        policy,
        issuers: lines('issuer'),
        keys: lines('key'),
        lockfile: optional('lockfile'),
        known: optional('known'),
        statePath: optional('state-path') ?? DEFAULT_MONITOR_STATE,
        startAtEnd,
      },
      host,
    );
    const reportPath = optional('report-path') ?? 'countersign-monitor-report.json';
    await writeOutput(reportPath, `${JSON.stringify(result, null, 2)}\n`);
    host.setOutput('report-path', reportPath);
    const failure = monitorFailure(result);
    if (failure) throw failure;
  } finally {
    client.close();
  }
});
