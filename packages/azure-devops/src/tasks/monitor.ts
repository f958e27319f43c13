import { DEFAULT_MONITOR_STATE, monitorFailure, monitorLog, readPolicyFile } from '@countersign/steps';
import { flag, lines, positiveNumber, required, text } from '../inputs.js';
import { runTask } from '../run-task.js';
import { openScrapiClient } from '../transparency-service.js';

/**
 * CountersignMonitor: reads what the log registered since the state in statePath, attaches the
 * summary, and fails with one error per alert (an alert is raised once: the state moves on).
 */
await runTask('countersign-monitor', async (host) => {
  const serviceUrl = required('serviceUrl');
  const policy = await readPolicyFile(required('trustPolicy'));
  const startAtEnd = flag('startAtEnd');
  const client = await openScrapiClient(
    { url: serviceUrl, serviceIdentity: text('serviceIdentity'), timeoutMs: positiveNumber('timeout', 120) * 1000, connectionId: text('azureSubscription') },
    host,
  );
  try {
    const result = await monitorLog(
      {
        log: client,
        serviceUrl,
        policy,
        issuers: lines('issuer'),
        keys: lines('key'),
        lockfile: text('lockfile'),
        known: text('known'),
        statePath: text('statePath') ?? DEFAULT_MONITOR_STATE,
        startAtEnd,
      },
      host,
    );
    const failure = monitorFailure(result);
    if (failure) throw failure;
  } finally {
    client.close();
  }
});
