import { describe, expect, it } from '@jest/globals';
import { selectCredential, type Environment } from '../src/credentials/select-credential.js';
import { errorCode } from './error-code.js';

const GITHUB: Environment = {
  GITHUB_ACTIONS: 'true',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.actions.example/idtoken?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token-value',
  AZURE_CLIENT_ID: '11111111-1111-1111-1111-111111111111',
  AZURE_TENANT_ID: '22222222-2222-2222-2222-222222222222',
};

const PIPELINES: Environment = {
  TF_BUILD: 'True',
  SYSTEM_OIDCREQUESTURI: 'https://dev.azure.example/org/_apis/distributedtask/hubs/build/plans/p/jobs/j/oidctoken',
  SYSTEM_ACCESSTOKEN: 'pipeline-access-token-value',
  AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: '33333333-3333-3333-3333-333333333333',
  AZURESUBSCRIPTION_CLIENT_ID: '44444444-4444-4444-4444-444444444444',
  AZURESUBSCRIPTION_TENANT_ID: '55555555-5555-5555-5555-555555555555',
};

const APP_SERVICE: Environment = { IDENTITY_ENDPOINT: 'http://localhost:42356/msi/token', IDENTITY_HEADER: 'header-secret' };

describe('default credential choice by environment', () => {
  it('picks GitHub OIDC federation on a runner that can request an ID token', () => {
    expect(selectCredential('default', GITHUB)).toEqual({
      kind: 'github-oidc',
      tenantId: GITHUB.AZURE_TENANT_ID,
      clientId: GITHUB.AZURE_CLIENT_ID,
      idTokenRequestUrl: GITHUB.ACTIONS_ID_TOKEN_REQUEST_URL,
    });
  });

  it('does not pick GitHub OIDC when the job has no id-token permission (no request token)', () => {
    expect(selectCredential('default', { ...GITHUB, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined }).kind).toBe('default');
  });

  it('picks the Azure Pipelines service connection when its variables are set', () => {
    expect(selectCredential('default', PIPELINES)).toEqual({
      kind: 'azure-pipelines',
      tenantId: PIPELINES.AZURESUBSCRIPTION_TENANT_ID,
      clientId: PIPELINES.AZURESUBSCRIPTION_CLIENT_ID,
      serviceConnectionId: PIPELINES.AZURESUBSCRIPTION_SERVICE_CONNECTION_ID,
    });
  });

  it('picks a managed identity where the host exposes an identity endpoint', () => {
    expect(selectCredential('default', APP_SERVICE)).toEqual({ kind: 'managed-identity' });
    expect(selectCredential('default', { MSI_ENDPOINT: 'http://127.0.0.1:41741/MSI/token/', AZURE_CLIENT_ID: 'user-assigned' })).toEqual({
      kind: 'managed-identity',
      clientId: 'user-assigned',
    });
  });

  it('falls back to the DefaultAzureCredential chain with nothing CI-specific set', () => {
    expect(selectCredential('default', {})).toEqual({ kind: 'default' });
    expect(selectCredential('default', { AZURE_CLIENT_ID: 'x', AZURE_TENANT_ID: 'y', HOME: '/home/dev' })).toEqual({ kind: 'default' });
  });

  it('prefers GitHub OIDC over a managed identity on a self-hosted runner that has both', () => {
    expect(selectCredential('default', { ...GITHUB, ...APP_SERVICE }).kind).toBe('github-oidc');
  });

  it('never picks the emulator credential by itself', () => {
    expect(selectCredential('default', { COUNTERSIGN_AZURE_CREDENTIAL: 'emulator' }).kind).toBe('default');
  });

  it('keeps secrets out of the plan: the request and access tokens are read only when a token is needed', () => {
    const plans = JSON.stringify([selectCredential('default', GITHUB), selectCredential('default', PIPELINES), selectCredential('default', APP_SERVICE)]);
    expect(plans).not.toContain('runner-request-token-value');
    expect(plans).not.toContain('pipeline-access-token-value');
    expect(plans).not.toContain('header-secret');
  });
});

describe('explicit credential choices', () => {
  it('github-oidc without the runner variables is unavailable, naming what is missing', () => {
    expect(errorCode(() => selectCredential('github-oidc', { AZURE_CLIENT_ID: 'x' }))).toBe('AZURE_CREDENTIAL_UNAVAILABLE');
    expect(selectCredential('github-oidc', GITHUB).kind).toBe('github-oidc');
  });

  it('azure-pipelines without a service connection is unavailable', () => {
    expect(errorCode(() => selectCredential('azure-pipelines', { ...PIPELINES, SYSTEM_ACCESSTOKEN: '' }))).toBe('AZURE_CREDENTIAL_UNAVAILABLE');
    expect(selectCredential('azure-pipelines', PIPELINES).kind).toBe('azure-pipelines');
  });

  it('managed-identity and emulator need no variables', () => {
    expect(selectCredential('managed-identity', {})).toEqual({ kind: 'managed-identity' });
    expect(selectCredential('emulator', GITHUB)).toEqual({ kind: 'emulator' });
  });

  it('passes a sovereign cloud authority host through', () => {
    expect(selectCredential('github-oidc', { ...GITHUB, AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us' })).toMatchObject({ authorityHost: 'https://login.microsoftonline.us' });
  });
});
