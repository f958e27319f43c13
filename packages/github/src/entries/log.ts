import { logStatements, registrationFailure } from '@countersign/steps';
import { flag, globs, optional } from '../inputs.js';
import { runAction } from '../run.js';
import { serviceFromInputs } from '../service.js';

/** actions/log: each statement registered, its receipt kept in it, and the whole uploaded when asked. */
await runAction(async (host) => {
  const statements = await globs('statement-path', 'statement');
  const openService = await serviceFromInputs(host);
  const { service, close } = await openService();
  try {
    const results = await logStatements(
      { statements, service, outDir: optional('output-dir'), uploadArtifact: optional('upload-artifact'), localCheck: !flag('skip-local-check') },
      host,
    );
    const failure = registrationFailure(results);
    if (failure) throw failure;
  } finally {
    await close();
  }
});
