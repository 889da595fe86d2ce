import { errors } from './errors.js';

/**
 * Input checks with the constraints of the Cognito identity API model, worded like AWS's
 * validation errors. Wrong JSON types are SerializationException, as the JSON 1.1 protocol answers.
 */

const ID_PATTERN = /^[\w-]+:[0-9a-f-]+$/;

export type Input = Record<string, unknown>;

export function parseInput(text: string): Input {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.serialization('Unexpected character in the request body ((local: the body is not valid JSON))');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw errors.serialization('Start of structure or map expected ((local: the body must be a JSON object))');
  }
  return parsed as Input;
}

function validationError(value: unknown, member: string, constraint: string): Error {
  const shown = value === undefined ? 'null' : `'${String(value)}'`;
  return errors.invalidParameter(`1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`);
}

function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw errors.serialization(`Expected a string for ${name} ((local: got ${Array.isArray(value) ? 'array' : typeof value}))`);
  return value;
}

function lowerFirst(name: string): string {
  return name[0].toLowerCase() + name.slice(1);
}

/** `IdentityPoolId` / `IdentityId`: `<region>:<uuid>`, 1–55 characters. */
export function requireId(input: Input, name: 'IdentityPoolId' | 'IdentityId'): string {
  const value = optionalString(input, name);
  if (value === undefined) throw validationError(undefined, lowerFirst(name), 'Member must not be null');
  if (value.length < 1 || value.length > 55) throw validationError(value, lowerFirst(name), 'Member must have length less than or equal to 55');
  if (!ID_PATTERN.test(value)) throw validationError(value, lowerFirst(name), 'Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+');
  return value;
}

/** `Logins`: provider name → token, at most 10 entries. */
export function optionalLogins(input: Input): Record<string, string> {
  const value = input.Logins;
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw errors.serialization('Expected a map for Logins');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 10) throw validationError('{...}', 'logins', 'Member must have length less than or equal to 10');
  const out: Record<string, string> = {};
  for (const [provider, token] of entries) {
    if (typeof token !== 'string') throw errors.serialization(`Expected a string token for Logins.${provider}`);
    if (provider.length < 1 || provider.length > 128) throw validationError(provider, 'logins', 'Map keys must have length between 1 and 128');
    if (token.length < 1 || token.length > 50000) throw validationError('***', `logins.${provider}`, 'Member must have length between 1 and 50000');
    out[provider] = token;
  }
  return out;
}

export function optionalRoleArn(input: Input): string | undefined {
  const value = optionalString(input, 'CustomRoleArn');
  if (value === undefined) return undefined;
  if (value.length < 20 || value.length > 2048) throw validationError(value, 'customRoleArn', 'Member must have length between 20 and 2048');
  return value;
}

/** GetId's optional `AccountId` (AWS accepts and ignores a matching one). */
export function optionalAccountId(input: Input): string | undefined {
  const value = optionalString(input, 'AccountId');
  if (value !== undefined && !/^\d{1,15}$/.test(value)) throw validationError(value, 'accountId', 'Member must satisfy regular expression pattern: \\d+');
  return value;
}
