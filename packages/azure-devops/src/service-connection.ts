import { Writable } from 'node:stream';
import * as tl from 'azure-pipelines-task-lib/task.js';
import type { Environment } from '@countersign/azure';
import type { Host } from '@countersign/steps';
import { TaskError } from './errors.js';

const INPUT = 'azureSubscription';

/**
 * The environment @countersign/azure's `azure-pipelines` credential signs in from, built from an Azure
 * Resource Manager service connection with workload identity federation. A task receives the
 * connection's id as the input's value and its auth parameters from the agent (the service
 * principal's client id and tenant); the agent's OIDC endpoint and the job's access token (through
 * the SystemVssConnection endpoint every task gets) let the credential request the federated token.
 * Nothing is written to process.env: the credential is given this environment alone.
 */
export function serviceConnectionEnvironment(connectionId: string, host: Host, env: NodeJS.ProcessEnv = process.env): Environment {
  const scheme = tl.getEndpointAuthorizationScheme(connectionId, true);
  if (scheme === undefined) throw new TaskError('TASK_SERVICE_CONNECTION', INPUT, `names no service connection this job can use (${connectionId}); authorize it for the pipeline`);
  if (scheme.toLowerCase() !== 'workloadidentityfederation') {
    throw new TaskError('TASK_SERVICE_CONNECTION', INPUT, `uses ${scheme} authentication; countersign signs in only through workload identity federation`);
  }
  const clientId = tl.getEndpointAuthorizationParameter(connectionId, 'serviceprincipalid', true);
  const tenantId = tl.getEndpointAuthorizationParameter(connectionId, 'tenantid', true);
  const oidcRequestUri = tl.getVariable('System.OidcRequestUri');
  const accessToken = unlogged(() => tl.getEndpointAuthorizationParameter('SystemVssConnection', 'AccessToken', true) || tl.getVariable('System.AccessToken'));
  const absent = Object.entries({ serviceprincipalid: clientId, tenantid: tenantId, 'System.OidcRequestUri': oidcRequestUri, 'System.AccessToken': accessToken })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (absent.length > 0) throw new TaskError('TASK_SERVICE_CONNECTION', INPUT, `lacks ${absent.join(', ')} on this agent`);
  host.setSecret(accessToken as string);
  return {
    ...env,
    AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: connectionId,
    AZURESUBSCRIPTION_CLIENT_ID: clientId,
    AZURESUBSCRIPTION_TENANT_ID: tenantId,
    SYSTEM_OIDCREQUESTURI: oidcRequestUri,
    SYSTEM_ACCESSTOKEN: accessToken,
  };
}

/** Reads a secret through the task lib, which writes every endpoint parameter it reads to the debug log. */
function unlogged(read: () => string | undefined): string | undefined {
  tl.setStdStream(new Writable({ write: (_chunk, _encoding, done) => done() }));
  try {
    return read();
  } finally {
    tl.setStdStream(process.stdout);
  }
}
