import type { KeyRotationLifetimeAction, KeyRotationPolicyProperties } from '@azure/keyvault-keys';
import { AzureError } from './errors.js';

/** What Key Vault is told to do over a key's lifetime (the SDK's form). */
export type RotationPolicy = KeyRotationPolicyProperties;

const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
const MAX_ACTIONS = 16;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(reason: string): never {
  throw new AzureError('AZURE_ROTATION_POLICY_INVALID', `rotation policy: ${reason}`);
}

function duration(value: unknown, where: string): string {
  if (typeof value !== 'string' || !ISO_DURATION.test(value)) invalid(`${where} must be an ISO 8601 duration such as P90D`);
  return value;
}

function lifetimeAction(value: unknown, index: number): KeyRotationLifetimeAction {
  const where = `lifetimeActions[${index}]`;
  if (!isObject(value) || !isObject(value.trigger) || !isObject(value.action)) invalid(`${where} needs a trigger and an action`);
  const type = value.action.type;
  if (typeof type !== 'string' || !['rotate', 'notify'].includes(type.toLowerCase())) invalid(`${where}.action.type must be Rotate or Notify`);
  const { timeAfterCreate, timeBeforeExpiry } = value.trigger;
  if ((timeAfterCreate === undefined) === (timeBeforeExpiry === undefined)) invalid(`${where}.trigger needs exactly one of timeAfterCreate and timeBeforeExpiry`);
  return {
    action: type.toLowerCase() === 'rotate' ? 'Rotate' : 'Notify',
    ...(timeAfterCreate !== undefined ? { timeAfterCreate: duration(timeAfterCreate, `${where}.trigger.timeAfterCreate`) } : {}),
    ...(timeBeforeExpiry !== undefined ? { timeBeforeExpiry: duration(timeBeforeExpiry, `${where}.trigger.timeBeforeExpiry`) } : {}),
  };
}

/**
 * Reads a key rotation policy in the JSON form Key Vault's REST API and `az keyvault key
 * rotation-policy update --value` take: `{"lifetimeActions": [{"trigger": {"timeAfterCreate":
 * "P90D"}, "action": {"type": "Rotate"}}], "attributes": {"expiryTime": "P1Y"}}`. Checked here so a
 * bad file is refused before the vault is touched.
 */
export function parseRotationPolicy(text: string): RotationPolicy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    invalid('not valid JSON');
  }
  if (!isObject(value)) invalid('must be a JSON object');
  const actions = value.lifetimeActions ?? [];
  if (!Array.isArray(actions) || actions.length > MAX_ACTIONS) invalid(`lifetimeActions must be a list of at most ${MAX_ACTIONS} actions`);
  if (value.attributes !== undefined && !isObject(value.attributes)) invalid('attributes must be an object');
  const expiryTime = isObject(value.attributes) ? value.attributes.expiryTime : undefined;
  return {
    lifetimeActions: actions.map(lifetimeAction),
    ...(expiryTime !== undefined ? { expiresIn: duration(expiryTime, 'attributes.expiryTime') } : {}),
  };
}
