import { logStatements, registrationFailure } from '@countersign/steps';
import { files, flag, positiveNumber, text } from '../inputs.js';
import { runTask } from '../run-task.js';
import { serviceOpener } from '../transparency-service.js';

/** CountersignLog: registers each statement, keeps its receipt in the statement, fails if any is refused. */
await runTask('countersign-log', async (host) => {
  const statements = files('statementPath');
  const open = serviceOpener(
    {
      url: text('serviceUrl'),
      serviceIdentity: text('serviceIdentity'),
      timeoutMs: positiveNumber('timeout', 120) * 1000,
      ledgerDir: text('ledgerDir'),
      connectionId: text('azureSubscription'),
    },
    host,
  );
  const session = await open();
  try {
    const results = await logStatements({ statements, service: session.service, uploadArtifact: text('uploadArtifact'), localCheck: !flag('skipLocalCheck') }, host);
    const failure = registrationFailure(results);
    if (failure) throw failure;
  } finally {
    await session.close();
  }
});
